"""The program builder (bureau admins): a program in forms, no TOML. One POST handles the buttons of the
form (``action``): ``add:<rows>`` / ``remove:<rows>:<i>`` re-render it with a row more or less,
``preview`` re-renders it with the sample calculation, ``save`` (the default) validates like
``tenants sync`` and writes the next version. With HTMX the row buttons swap only their rows and every
change refreshes the preview (``program_preview``: a fragment of the same template). Export and import
of one program as TOML (the shape of ``tenants/<slug>/programs.toml``) move a program between cities."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from pilotzone.auth import audit
from pilotzone.auth.guards import BUREAU_ADMIN, allow
from pilotzone.auth.middleware import CsrfFailed, token_matches
from pilotzone.auth.principal import current_principal
from pilotzone.funding import builder_form, services
from pilotzone.funding.builder_form import ROWS, BuilderErrors, ProgramForm
from pilotzone.funding.builder_words import FieldError, check_error, formula_error
from pilotzone.funding.explain import formula_lines, words
from pilotzone.funding.formula_values import EvaluationError
from pilotzone.funding.program_spec import INPUT_TYPES, SUBJECTS, ProgramSpec, from_stored
from pilotzone.funding.programs import InputError, ProgramError, check, convert
from pilotzone.funding.tables import RULES, Program
from pilotzone.trade.facts import TRADE_FACTS
from pilotzone.web.i18n import get_locale
from pilotzone.web.labels import N_
from pilotzone.web.render import is_htmx, render
from pilotzone.web.urls import url_for
from pilotzone.workflow.certifiable import scheme_keys
from pilotzone.workflow.definitions import DOCUMENT_TYPES, REVIEWERS
from pilotzone.workflow.spec_toml import SpecFileError, dumps, loads_one

IMPORT_MAX = 256 * 1024  # bytes of an uploaded program file


class ProgramBuilderController(Controller):
    path = "/z/{slug:str}/programs"

    @get("/new", name="program_new", opt=allow(BUREAU_ADMIN))
    async def new(self, request: Request) -> Template:
        return await _page(request, None, builder_form.new_form())

    @post("/", name="program_create", opt=allow(BUREAU_ADMIN), status_code=200)
    async def create(self, request: Request, slug: FromPath[str]) -> Redirect | Template:
        return await _posted(request, slug, None)

    @get("/{program_key:str}/edit", name="program_edit", opt=allow(BUREAU_ADMIN))
    async def edit(self, request: Request, program_key: FromPath[str]) -> Template:
        program, version = await _found(program_key)
        return await _page(request, program, builder_form.form_of(from_stored(version.spec)))

    @post("/{program_key:str}", name="program_update", opt=allow(BUREAU_ADMIN), status_code=200)
    async def update(self, request: Request, slug: FromPath[str], program_key: FromPath[str]) -> Redirect | Template:
        program, _version = await _found(program_key)
        return await _posted(request, slug, program)

    @post("/preview", name="program_preview", opt=allow(BUREAU_ADMIN), status_code=200)
    async def preview(self, request: Request) -> Template:
        """The preview fragment (``?part=samples``: the sample inputs, whose rows follow the inputs)."""
        form = builder_form.parse(await request.form())
        part = "samples" if request.query_params.get("part") == "samples" else "preview"
        context = await _context(request, None, form, {}, await preview_of(form))
        return render(request, "funding/program_form.html", context, partial=f"funding/builder/{part}.html")

    @get("/{program_key:str}/export.toml", name="program_export", opt=allow(BUREAU_ADMIN))
    async def export(self, program_key: FromPath[str]) -> Response[str]:
        _program, version = await _found(program_key)
        text = export_toml(from_stored(version.spec))
        return Response(
            text,
            media_type="application/toml; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{program_key}.toml"'},
        )

    @get("/import", name="program_import_form", opt=allow(BUREAU_ADMIN))
    async def import_form(self, request: Request) -> Template:
        return render(request, "funding/builder/import.html", {"error": None, "text": ""})

    @post("/import", name="program_import", opt={**allow(BUREAU_ADMIN), "csrf_in_stream": True}, status_code=200)
    async def import_(self, request: Request, slug: FromPath[str]) -> Redirect | Template:
        text = await uploaded_text(request)
        try:
            spec = await import_spec(text)
        except ProgramError as exc:
            reason = exc.reason.rsplit(" at position ", 1)[0]
            error = formula_error(reason) if exc.position is not None else check_error(reason)
            error.params.setdefault("detail", exc.key)
            return _import_error(request, text, error, exc.key)
        except SpecFileError as exc:
            return _import_error(request, text, FieldError(N_("The file cannot be read: %(detail)s"), {"detail": str(exc)}))
        if await services.program_with_version(spec.key) is not None:
            error = FieldError(N_("A program with the key “%(key)s” already exists here."), {"key": spec.key})
            return _import_error(request, text, error)
        saved, _written = await services.save_program(spec, created_by=current_principal().user_id, source="editor")
        await audit.record("program.imported", "program", saved.id, after={"key": saved.key, "version": saved.version})
        return Redirect(path=url_for(request, "program", slug=slug, program_key=saved.key), status_code=303)


def export_toml(spec: ProgramSpec) -> str:
    return dumps("programs", spec, drop=("rounds",))


async def import_spec(text: str) -> ProgramSpec:
    """One program of an uploaded file, checked like ``tenants sync``; raises ProgramError, SpecFileError."""
    raw = loads_one(text, "programs")
    raw.pop("rounds", None)  # budgets and dates are the importing city's: rounds are made here
    spec: ProgramSpec = convert(raw, ProgramSpec)
    check(spec, await scheme_keys(), "program")
    return spec


async def uploaded_text(request: Request) -> str:
    """The TOML of the import form: the uploaded file, else the pasted text (the CSRF token checked first)."""
    length = int(request.headers.get("content-length") or 0)
    if length > IMPORT_MAX:
        raise HTTPException(status_code=413, detail="a program file is at most 256 KB")
    data = await request.form()
    if not token_matches(request.scope, str(data.get("csrf_token") or "")):
        raise CsrfFailed("the form's security token is missing or wrong")
    upload = data.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        content = await upload.read()
        try:
            return content.decode("utf-8-sig")
        except UnicodeDecodeError:
            return "\x00"  # read as a syntax error below
    return str(data.get("text") or "")


def _import_error(request: Request, text: str, error: FieldError, where: str = "") -> Template:
    return render(request, "funding/builder/import.html", {"error": error, "where": where, "text": text}, status_code=400)


async def _found(key: str):  # noqa: ANN202 - (Program, ProgramVersion)
    found = await services.program_with_version(key)
    if found is None:
        raise NotFoundException("no such program")
    return found


async def _posted(request: Request, slug: str, program: Program | None) -> Redirect | Template:
    posted = await request.form()
    form = builder_form.parse(posted)
    if program is not None:
        form.fields["key"] = program.key
    action = str(posted.get("action") or "save")
    if builder_form.apply_action(form, action):
        kind = action.split(":")[1]
        partial = f"funding/builder/rows_{kind}.html" if is_htmx(request) else None
        return await _page(request, program, form, partial=partial)
    if action == "preview":
        return await _page(request, program, form, preview=await preview_of(form))
    if program is None and await services.program_with_version(form.get("key").strip()) is not None:
        errors = {"key": FieldError(N_("A program with this key already exists."))}
        return await _page(request, None, form, errors, status=400)
    before = program.version if program is not None else None
    try:
        spec, _compiled = builder_form.spec_of(form, await scheme_keys())
    except BuilderErrors as exc:
        return await _page(request, program, form, exc.errors, status=400)
    saved, written = await services.save_program(spec, created_by=current_principal().user_id, source="editor")
    if written:
        await audit.record(
            "program.created" if before is None else "program.versioned",
            "program",
            saved.id,
            before=None if before is None else {"version": before},
            after={"key": saved.key, "version": saved.version, "formula": spec.formula},
        )
    return Redirect(path=url_for(request, "program", slug=slug, program_key=saved.key), status_code=303)


async def preview_of(form: ProgramForm) -> dict[str, Any]:
    """The sample calculation: {amount, eligible, words, lines} or {errors} (the form's own errors, a
    sample value's, or the formula's at evaluation, e.g. a division by zero)."""
    trial = ProgramForm(fields=dict(form.fields), rows=form.rows, samples=form.samples)
    for name, placeholder in (("key", "preview"), ("name_zh", "预览"), ("name_en", "Preview")):
        trial.fields[name] = trial.get(name).strip() or placeholder  # names do not change an amount
    try:
        spec, compiled = builder_form.spec_of(trial, await scheme_keys())
    except BuilderErrors as exc:
        return {"errors": exc.errors}
    try:
        inputs = compiled.parse_inputs({k: v for k, v in form.samples.items() if v.strip()})
    except InputError as exc:
        return {"errors": {f"sample-{exc.key}": _input_error(exc)}}
    try:
        result = compiled.evaluate(inputs, None)
    except EvaluationError as exc:
        return {"errors": {"formula": formula_error(exc.message)}}
    locale = get_locale()
    return {
        "amount": result.amount,
        "eligible": result.eligible,
        "unit": spec.unit,
        "words": words(result.explanation, spec, locale),
        "lines": formula_lines(result.explanation, locale),
    }


def _input_error(exc: InputError) -> FieldError:
    if exc.message == "required":
        return FieldError(N_("Enter a sample value to preview the amount."))
    if exc.message.startswith("must be at least") or exc.message.startswith("must be at most"):
        bound = exc.message.rsplit(" ", 1)[-1]
        low = exc.message.startswith("must be at least")
        return FieldError(N_("At least %(bound)s.") if low else N_("At most %(bound)s."), {"bound": bound})
    return FieldError(N_("Write a number, e.g. 500000 or 1234.56."))


def trade_fact_choices(locale: str) -> list[tuple[str, str]]:
    """The trade facts a formula or condition may name (``official_export_9610_last_year``…), with
    what each means, for the builder's list (official first, then declared, then reported)."""
    zh = locale.lower().startswith("zh")
    return [(name, fact.label(zh)) for name, fact in TRADE_FACTS.items()]


async def _context(request: Request, program: Program | None, form: ProgramForm,
                   errors: dict[str, FieldError], preview: dict[str, Any] | None) -> dict[str, Any]:
    keys = sorted(await scheme_keys())
    facts: list[tuple[str, str | None]] = [("registered", None), ("not_on_negative_list", None)]
    facts += [(f"certified:{key}", key) for key in keys] + [("input", None)]
    sample_inputs = [row for row in form.rows["inputs"] if row.get("key", "").strip()]
    slug = request.path_params["slug"]
    action_url = (url_for(request, "program_update", slug=slug, program_key=program.key) if program is not None
                  else url_for(request, "program_create", slug=slug))
    return {
        "action_url": action_url,
        "program": program, "form": form, "errors": errors, "preview": preview, "subjects": SUBJECTS,
        "rules": RULES, "input_types": INPUT_TYPES, "document_types": DOCUMENT_TYPES, "reviewers": REVIEWERS,
        "facts": facts, "row_kinds": tuple(ROWS), "sample_inputs": sample_inputs, "zero": Decimal(0),
        "trade_facts": trade_fact_choices(get_locale()),
    }  # fmt: skip


async def _page(request: Request, program: Program | None, form: ProgramForm, errors: dict | None = None,
                preview: dict[str, Any] | None = None, status: int = 200, partial: str | None = None) -> Template:
    context = await _context(request, program, form, errors or {}, preview)
    return render(request, "funding/program_form.html", context, partial=partial, status_code=status)
