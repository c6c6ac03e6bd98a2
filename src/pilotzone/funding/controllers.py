"""Program pages: the list and detail for every member of the tenant; the editor for bureau admins."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from pilotzone.auth import audit
from pilotzone.auth.guards import BUREAU_ADMIN, MEMBERS, allow
from pilotzone.auth.principal import current_principal
from pilotzone.funding import editor, ledger, services
from pilotzone.funding.editor import EditorError, EditorForm
from pilotzone.funding.program_spec import SUBJECTS, from_stored
from pilotzone.funding.tables import RULES
from pilotzone.web.forms import URL_ENCODED
from pilotzone.web.i18n import get_locale
from pilotzone.web.labels import N_
from pilotzone.web.render import render
from pilotzone.web.urls import url_for

BLANK = EditorForm(  # a new program's form
    subject="enterprise",
    allocation="pro_rata",
    example_parameters="1",
    details='stages = ["bureau_reviewer", "bureau_admin"]\n\n[[eligibility]]\nkind = "registered"\n',
)


class ProgramController(Controller):
    path = "/z/{slug:str}/programs"

    @get("/", name="programs", opt=allow(MEMBERS))
    async def index(self, request: Request) -> Template:
        return render(request, "funding/programs.html", {"programs": await services.programs()})

    @get("/new", name="program_new", opt=allow(BUREAU_ADMIN))
    async def new(self, request: Request) -> Template:
        return _form(request, None, BLANK, {})

    @post("/", name="program_create", opt=allow(BUREAU_ADMIN), status_code=303)
    async def create(
        self, request: Request, slug: FromPath[str], data: Annotated[EditorForm, URL_ENCODED]
    ) -> Redirect | Template:
        if await services.program_with_version(data.key.strip()) is not None:
            return _form(
                request, None, data, {"key": (N_("A program with this key already exists."), None)}, 400
            )
        return await _save(request, slug, None, data)

    @get("/{program_key:str}", name="program", opt=allow(MEMBERS))
    async def detail(self, request: Request, program_key: FromPath[str]) -> Template:
        program, version = await _found(program_key)
        spec = from_stored(version.spec)
        zh = get_locale() == "zh_CN"
        labels = {i.key: i.label_zh if zh else i.label_en for i in spec.inputs}
        labels.update({name: f"{name} = {value}" for name, value in spec.constants.items()})
        context = {
            "program": program,
            "version": version,
            "spec": spec,
            "readable": editor.readable(spec.formula, labels),
            "readable_of": lambda text: editor.readable(text, labels),  # conditions by their labels
            "rounds": await services.rounds_of(program.id),
            "versions": await services.versions_of(program.id),
            "balance": await ledger.balance(program.id),
        }
        return render(request, "funding/program.html", context)

    @get("/{program_key:str}/edit", name="program_edit", opt=allow(BUREAU_ADMIN))
    async def edit(self, request: Request, program_key: FromPath[str]) -> Template:
        program, version = await _found(program_key)
        return _form(request, program, editor.form_of(from_stored(version.spec)), {})

    @post("/{program_key:str}", name="program_update", opt=allow(BUREAU_ADMIN), status_code=303)
    async def update(
        self,
        request: Request,
        slug: FromPath[str],
        program_key: FromPath[str],
        data: Annotated[EditorForm, URL_ENCODED],
    ) -> Redirect | Template:
        program, _version = await _found(program_key)
        return await _save(request, slug, program, msgspec.structs.replace(data, key=program.key))


async def _found(key: str):  # noqa: ANN202 - (Program, ProgramVersion)
    found = await services.program_with_version(key)
    if found is None:
        raise NotFoundException("no such program")
    return found


async def _save(request: Request, slug: str, program, form: EditorForm) -> Redirect | Template:  # noqa: ANN001
    before = program.version if program is not None else None
    try:
        saved, written = await editor.save(form, current_principal().user_id)
    except EditorError as exc:
        return _form(request, program, form, {exc.field: (exc.message, exc.position)}, 400)
    if written:
        await audit.record(
            "program.created" if before is None else "program.versioned",
            "program",
            saved.id,
            before=None if before is None else {"version": before},
            after={"key": saved.key, "version": saved.version, "formula": form.formula.strip()},
        )
    return Redirect(path=url_for(request, "program", slug=slug, program_key=saved.key), status_code=303)


def _form(request: Request, program, form: EditorForm, errors: dict, status: int = 200) -> Template:  # noqa: ANN001
    context = {"program": program, "form": form, "errors": errors, "subjects": SUBJECTS, "rules": RULES}
    return render(request, "funding/program_form.html", context, status_code=status)
