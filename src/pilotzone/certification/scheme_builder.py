"""The scheme builder (bureau admins): a certification scheme in forms — fields, documents, review
stages, scoring criteria and weights, the certificate number format with a preview of the next number,
validity and notice days. Saving writes the scheme as ``tenants sync`` does (a changed spec is the next
version; applications keep the copy of the version they were made under). Export and import of one
scheme as TOML (``[[schemes]]``) move it between cities; an imported number format takes this city's
certificate prefix."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template
from piccolo.columns import Column

from pilotzone.auth import audit
from pilotzone.auth.guards import BUREAU_ADMIN, allow
from pilotzone.auth.middleware import CsrfFailed, token_matches
from pilotzone.certification import scheme_form, services
from pilotzone.certification.scheme_form import Problem, SchemeForm, SchemeFormErrors
from pilotzone.certification.schemes import (
    APPLICANTS,
    FIELD_TYPES,
    NUMBER_FORMAT,
    SchemeError,
    SchemeSpec,
    certificate_number,
    from_stored,
    to_json,
)
from pilotzone.certification.tables import CertificateCounter, Scheme
from pilotzone.tenancy.context import current_context
from pilotzone.web.formats import TZ
from pilotzone.web.labels import N_
from pilotzone.web.render import render
from pilotzone.web.urls import url_for
from pilotzone.workflow.definitions import DOCUMENT_TYPES, REVIEWERS, SUBJECTS
from pilotzone.workflow.spec_toml import SpecFileError, dumps, loads_one

IMPORT_MAX = 256 * 1024
ROLES = sorted({role for roles in APPLICANTS.values() for role in roles})


class SchemeBuilderController(Controller):
    path = "/z/{slug:str}/schemes"

    @get("/new", name="scheme_new", opt=allow(BUREAU_ADMIN))
    async def new(self, request: Request) -> Template:
        return await _page(request, None, scheme_form.new_form(await certificate_prefix()))

    @post("/", name="scheme_create", opt=allow(BUREAU_ADMIN), status_code=200)
    async def create(self, request: Request, slug: FromPath[str]) -> Redirect | Template:
        return await _posted(request, slug, None)

    @get("/{scheme_key:str}/edit", name="scheme_edit", opt=allow(BUREAU_ADMIN))
    async def edit(self, request: Request, scheme_key: FromPath[str]) -> Template:
        scheme = await _found(scheme_key)
        return await _page(request, scheme, scheme_form.form_of(from_stored(scheme.spec)))

    @post("/{scheme_key:str}", name="scheme_update", opt=allow(BUREAU_ADMIN), status_code=200)
    async def update(self, request: Request, slug: FromPath[str], scheme_key: FromPath[str]) -> Redirect | Template:
        return await _posted(request, slug, await _found(scheme_key))

    @post("/number-preview", name="scheme_number_preview", opt=allow(BUREAU_ADMIN), status_code=200)
    async def number_preview(self, request: Request) -> Template:
        form = scheme_form.parse(await request.form())
        context = {"number": await next_number(form.get("key").strip(), form.get("certificate_format").strip())}
        return render(request, "certification/scheme_number.html", context)

    @get("/{scheme_key:str}/export.toml", name="scheme_export", opt=allow(BUREAU_ADMIN))
    async def export(self, scheme_key: FromPath[str]) -> Response[str]:
        scheme = await _found(scheme_key)
        return Response(
            dumps("schemes", from_stored(scheme.spec)),
            media_type="application/toml; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{scheme_key}.toml"'},
        )

    @get("/import", name="scheme_import_form", opt=allow(BUREAU_ADMIN))
    async def import_form(self, request: Request) -> Template:
        return render(request, "certification/scheme_import.html", {"error": None, "text": ""})

    @post("/import", name="scheme_import", opt={**allow(BUREAU_ADMIN), "csrf_in_stream": True}, status_code=200)
    async def import_(self, request: Request, slug: FromPath[str]) -> Redirect | Template:
        text = await _uploaded(request)
        try:
            spec = await import_spec(text)
        except SchemeFormErrors as exc:
            name, problem = next(iter(exc.errors.items()))
            return _import_error(request, text, problem, name)
        except (SpecFileError, SchemeError) as exc:
            return _import_error(request, text, Problem(N_("The file cannot be read: %(detail)s"), {"detail": str(exc)}))
        if await Scheme.objects().where(Scheme.key == spec.key).first() is not None:
            problem = Problem(N_("A scheme with the key “%(key)s” already exists here."), {"key": spec.key})
            return _import_error(request, text, problem)
        row = await save_scheme(spec, None)
        await audit.record("scheme.imported", "scheme", row.id, after={"key": spec.key, "version": row.version})
        return Redirect(path=url_for(request, "scheme", slug=slug, scheme_key=spec.key), status_code=303)


async def certificate_prefix() -> str:
    """This city's certificate prefix: the one its schemes' number formats start with (the tenant file's
    ``certificate_prefix``), else the first two letters of its slug as ``tenants sync`` defaults it."""
    rows = await Scheme.select(Scheme.spec).where(Scheme.active == True).output(load_json=True)  # noqa: E712
    for row in rows:
        fmt = str((row["spec"] or {}).get("certificate_format") or "")
        if "-" in fmt:
            return fmt.split("-", 1)[0]
    ctx = current_context()
    return ((ctx.slug if ctx is not None else None) or "XX")[:2].upper()


async def import_spec(text: str) -> SchemeSpec:
    """One scheme of an uploaded file, its number format moved to this city's prefix, checked like the
    builder; raises SpecFileError, SchemeFormErrors."""
    raw = loads_one(text, "schemes")
    prefix = await certificate_prefix()
    fmt = str(raw.get("certificate_format") or "")
    if "-" in fmt:
        raw["certificate_format"] = f"{prefix}-{fmt.split('-', 1)[1]}"
    form = scheme_form.form_of(_loose(raw))
    spec = scheme_form.spec_of(form, prefix)
    await _format_free(spec, None)
    return spec


def _loose(raw: dict[str, Any]) -> SchemeSpec:
    try:
        return msgspec.convert(raw, SchemeSpec, strict=False)
    except msgspec.ValidationError as exc:
        raise SpecFileError(str(exc)) from None


async def _format_free(spec: SchemeSpec, own_key: str | None) -> None:
    for row in await Scheme.select(Scheme.key, Scheme.spec).where(Scheme.active == True).output(load_json=True):  # noqa: E712
        if row["key"] != (own_key or spec.key) and (row["spec"] or {}).get("certificate_format") == spec.certificate_format:
            raise SchemeFormErrors({"certificate_format": Problem(N_("Another scheme already uses this number format."))})


async def next_number(key: str, fmt: str) -> str | None:
    """The number the next certificate of this scheme would get this year (None: the format is not valid)."""
    if not NUMBER_FORMAT.match(fmt) or "{seq:" not in fmt:
        return None
    year = datetime.now(TZ).year
    counter = await CertificateCounter.objects().where(
        (CertificateCounter.scheme_key == key) & (CertificateCounter.year == year)
    ).first()
    return certificate_number(fmt, year, (counter.last if counter is not None else 0) + 1)


async def save_scheme(spec: SchemeSpec, row: Scheme | None) -> Scheme:
    """Write the scheme as ``tenants sync`` does: a new scheme is version 1, a changed spec the next."""
    data = to_json(spec)
    values: dict[str, Any] = {"subject": spec.subject, "name_zh": spec.name_zh, "name_en": spec.name_en,
                              "spec": data, "active": True}
    if row is None:
        row = Scheme(key=spec.key, version=1, source="editor", **values)
        await row.save()
        return row
    changed = from_stored(row.spec) != spec
    if changed or row.name_zh != spec.name_zh or row.name_en != spec.name_en:
        version = row.version + changed
        changes: dict[Column | str, Any] = {k: v for k, v in values.items()}
        changes |= {"version": version, "updated_at": datetime.now(UTC)}
        await Scheme.update(changes).where(Scheme.id == row.id)
        row.version = version
    return row


async def _found(key: str) -> Scheme:
    scheme = await services.get_scheme(key)
    if scheme is None:
        raise NotFoundException("no such scheme")
    return scheme


async def _posted(request: Request, slug: str, scheme: Scheme | None) -> Redirect | Template:
    posted = await request.form()
    form = scheme_form.parse(posted)
    if scheme is not None:
        form.fields["key"] = scheme.key
    action = str(posted.get("action") or "save")
    if scheme_form.apply_action(form, action):
        return await _page(request, scheme, form)
    if scheme is None and await Scheme.objects().where(Scheme.key == form.get("key").strip()).first() is not None:
        return await _page(request, None, form, {"key": Problem(N_("A scheme with this key already exists."))}, 400)
    try:
        spec = scheme_form.spec_of(form, await certificate_prefix())
        await _format_free(spec, scheme.key if scheme is not None else None)
    except SchemeFormErrors as exc:
        return await _page(request, scheme, form, exc.errors, 400)
    before = scheme.version if scheme is not None else None
    row = await save_scheme(spec, scheme)
    if before != row.version:
        await audit.record("scheme.created" if before is None else "scheme.versioned", "scheme", row.id,
                           before=None if before is None else {"version": before},
                           after={"key": spec.key, "version": row.version})
    return Redirect(path=url_for(request, "scheme", slug=slug, scheme_key=spec.key), status_code=303)


async def _uploaded(request: Request) -> str:
    if int(request.headers.get("content-length") or 0) > IMPORT_MAX:
        raise HTTPException(status_code=413, detail="a scheme file is at most 256 KB")
    data = await request.form()
    if not token_matches(request.scope, str(data.get("csrf_token") or "")):
        raise CsrfFailed("the form's security token is missing or wrong")
    upload = data.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        try:
            return (await upload.read()).decode("utf-8-sig")
        except UnicodeDecodeError:
            return "\x00"
    return str(data.get("text") or "")


def _import_error(request: Request, text: str, problem: Problem, where: str = "") -> Template:
    context = {"error": problem, "where": where, "text": text}
    return render(request, "certification/scheme_import.html", context, status_code=400)


async def _page(request: Request, scheme: Scheme | None, form: SchemeForm, errors: dict | None = None,
                status: int = 200) -> Template:
    slug = request.path_params["slug"]
    action_url = (url_for(request, "scheme_update", slug=slug, scheme_key=scheme.key) if scheme is not None
                  else url_for(request, "scheme_create", slug=slug))
    context = {
        "scheme": scheme, "form": form, "errors": errors or {}, "action_url": action_url,
        "number": await next_number(form.get("key").strip(), form.get("certificate_format").strip()),
        "subjects": SUBJECTS, "field_types": FIELD_TYPES, "document_types": DOCUMENT_TYPES, "reviewers": REVIEWERS,
        "roles": ROLES, "applicants": APPLICANTS,
    }  # fmt: skip
    return render(request, "certification/scheme_form.html", context, status_code=status)
