"""Application pages: start, the form with autosave, documents by key, submit, withdraw."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from pilotzone.auth import audit
from pilotzone.auth.guards import MEMBERS, allow
from pilotzone.auth.principal import Principal, current_principal
from pilotzone.certification import answers, application_list
from pilotzone.certification.applications import (
    KIND,
    STARTERS,
    ApplicationError,
    Case,
    StartForm,
    actors,
    create_application,
    get_application,
    may_change,
    merged_values,
    shown_status,
    spec_of,
    status_label,
    validate,
    visible_application,
)
from pilotzone.certification.applications import (
    now as _now,
)
from pilotzone.certification.receipts import receipt_of
from pilotzone.certification.schemes import from_stored
from pilotzone.certification.services import active_schemes, get_scheme
from pilotzone.documents import keyed
from pilotzone.registry.subjects import subjects
from pilotzone.web.formats import field_value, local_time
from pilotzone.web.forms import URL_ENCODED
from pilotzone.web.i18n import gettext as _
from pilotzone.web.i18n import pick
from pilotzone.web.labels import N_
from pilotzone.web.render import is_htmx, render
from pilotzone.web.urls import url_for
from pilotzone.workflow import receipts, submissions, uploads
from pilotzone.workflow.filters import LISTING, Listing, filter_context, filter_status, parse
from pilotzone.workflow.forms import NOTHING_POSTED, Shown, posted
from pilotzone.workflow.states import Action, CertificationState
from pilotzone.workflow.tables import Submission
from pilotzone.workflow.transitions import Refused, may, move_row

# -- pages


async def _page_context(case: Case, shown: Shown = NOTHING_POSTED) -> dict:
    principal = current_principal()
    spec = spec_of(case)
    sub = case.sub
    history = await submissions.changes_of(case.id)
    labels = {f.key: pick(f.label_zh, f.label_en) for f in spec.fields}
    labels.update({f"document:{d.key}": pick(d.label_zh, d.label_en) for d in spec.documents})
    labels["status"] = _("Status")
    fields = {f.key: f for f in spec.fields}
    for row in history:
        row["field_label"] = labels.get(row["field_key"], row["field_key"])
        if row["field_key"] == "status":  # a state is shown by its label, never its code
            row["old_value"] = status_label(row["old_value"]) if row["old_value"] else ""
            row["new_value"] = status_label(row["new_value"]) if row["new_value"] else ""
        elif (field := fields.get(row["field_key"])) is not None:  # a choice by its label, amounts grouped
            row["old_value"] = field_value(field, row["old_value"], spec.unit)
            row["new_value"] = field_value(field, row["new_value"], spec.unit)
    changeable = may_change(principal, case)
    return {
        "application": case,
        "spec": spec,
        **shown.context(case.declared),
        "documents": await keyed.documents_by_key("application", case.id),
        "history": history,
        "status_label": await shown_status(case),
        "can_edit": changeable and sub.status == CertificationState.DRAFT,
        "can_withdraw": may(KIND, sub.status, Action.WITHDRAW, actors(principal, case)),
        "info_request": answers.described(case, await answers.latest_request(case)),
    }


async def _context_for(application_id: int) -> dict:
    case = await get_application(application_id)
    if case is None:
        raise NotFoundException("application not found")
    return await _page_context(case)


async def _owner_visible(principal: Principal, application_id: int) -> bool:
    return await visible_application(principal, application_id) is not None


_to_application = uploads.owned_by(
    "application",
    _owner_visible,
    "certification/application.html",
    _context_for,
    ("application", "application_id"),
)


class ApplicationController(Controller):
    path = "/z/{slug:str}/applications"

    @get("/", name="applications", opt=allow(MEMBERS), dependencies={"listing": LISTING})
    async def index(self, request: Request, listing: Listing) -> Template:
        principal = current_principal()
        offered = await application_list.choices()
        chosen, errors = parse(listing, offered)
        page, rows = await application_list.list_applications(principal, chosen)
        startable = [s for s in await active_schemes() if await _may_start(principal, s["key"])]
        context = {
            "applications": rows,
            "page": page,
            "startable": startable,
            **filter_context(listing, offered, chosen, errors),
        }
        return render(
            request,
            "certification/applications.html",
            context,
            partial="certification/partials/applications.html",
            status_code=filter_status(request, errors),
        )

    @get("/new", name="application_new", opt=allow(STARTERS))
    async def new(self, request: Request, scheme: FromQuery[str] = "") -> Template:
        return await _new_page(request, scheme)

    @post("/", name="application_create", opt=allow(STARTERS), status_code=303)
    async def create(
        self, request: Request, slug: FromPath[str], data: Annotated[StartForm, URL_ENCODED]
    ) -> Redirect | Template:
        principal = current_principal()
        if await get_scheme(data.scheme) is not None and not await _may_start(principal, data.scheme):
            return await _new_page(request, data.scheme)  # refused: 403
        try:
            case = await create_application(principal, data.scheme, data.subject_id)
        except ApplicationError as exc:
            return await _new_page(
                request, data.scheme, form=data, errors={exc.field: exc.message}, status=400
            )
        await audit.record(
            "application.created",
            "application",
            case.id,
            after={
                "scheme": data.scheme,
                "scheme_version": case.app.scheme_version,
                "subject_kind": case.sub.subject_kind,
                "subject_id": case.sub.subject_id,
            },
        )
        return _to_application(request, slug, case.id)

    @get("/{application_id:int}", name="application", opt=allow(MEMBERS))
    async def detail(self, request: Request, application_id: FromPath[int]) -> Template:
        case = await visible_application(current_principal(), application_id)
        if case is None:
            raise NotFoundException("application not found")
        context = await _page_context(case)
        event = request.query_params.get("receipt", "")
        context["receipt"] = await receipt_of(case, event, current_principal().user_id)
        return render(request, "certification/application.html", context)

    @post("/{application_id:int}/autosave", name="application_autosave", opt=allow(STARTERS), status_code=200)
    async def autosave(
        self, request: Request, slug: FromPath[str], application_id: FromPath[int]
    ) -> Redirect | Template:
        case = await _changeable(application_id)
        if case.sub.status != CertificationState.DRAFT:  # autosave: only a draft's fields change
            return render(
                request,
                "certification/partials/autosave_status.html",
                {"saved_at": None, "refused": True},
                status_code=409,
            )
        await submissions.save_values(
            current_principal(), case.sub, merged_values(case, await posted(request))
        )
        if not is_htmx(request):
            return _to_application(request, slug, application_id)
        return render(
            request,
            "certification/partials/autosave_status.html",
            {"saved_at": local_time(_now(), "%H:%M:%S"), "refused": False},
        )

    @post("/{application_id:int}/submit", name="application_submit", opt=allow(STARTERS), status_code=303)
    async def submit(
        self, request: Request, slug: FromPath[str], application_id: FromPath[int]
    ) -> Redirect | Template:
        principal = current_principal()
        case = await _changeable(application_id)
        sub = case.sub
        values = merged_values(case, await posted(request))
        if not may(KIND, sub.status, Action.SUBMIT, actors(principal, case)):
            errors = {"status": _("Only a draft can be submitted.")}
        else:
            filed = await keyed.documents_by_key("application", case.id)
            present = {k for k, versions in filed.items() if versions}
            errors = validate(spec_of(case), values, present)
        if errors:
            context = await _page_context(case, Shown(values=values, errors=errors))
            return render(request, "certification/application.html", context, status_code=400)
        now = _now()
        try:
            moved = await move_row(
                KIND,
                sub,
                Action.SUBMIT,
                actors(principal, case),
                changes={  # review starts at the first stage
                    Submission.stage: 0,
                    Submission.submitted_at: now,
                    Submission.updated_at: now,
                },
            )
        except Refused:  # changed by someone else since it was read
            context = await _page_context(
                case, Shown(values=values, errors={"status": _("Only a draft can be submitted.")})
            )
            return render(request, "certification/application.html", context, status_code=409)
        status = sub.status
        await submissions.save_values(principal, sub, values)
        await submissions.record_move(principal, sub, moved.target)
        await audit.record(
            "application.submitted",
            "application",
            case.id,
            before={"status": status},
            after={
                "status": moved.target,
                "stage": 0,
                "values": values,
                "scheme_version": case.app.scheme_version,
            },
        )
        return receipts.redirect(url_for(request, "application", slug=slug, application_id=application_id))

    @post("/{application_id:int}/withdraw", name="application_withdraw", opt=allow(STARTERS), status_code=303)
    async def withdraw(
        self, request: Request, slug: FromPath[str], application_id: FromPath[int]
    ) -> Redirect:
        principal = current_principal()
        case = await _changeable(application_id)
        sub = case.sub
        try:
            moved = await move_row(
                KIND,
                sub,
                Action.WITHDRAW,
                actors(principal, case),
                changes={Submission.updated_by: principal.user_id, Submission.updated_at: _now()},
            )
        except Refused:
            moved = None  # nothing to withdraw: the page shows the state as it is
        if moved is not None:
            await submissions.record_move(principal, sub, moved.target)
            await audit.record(
                "application.withdrawn",
                "application",
                case.id,
                before={"status": sub.status},
                after={"status": moved.target},
            )
        return _to_application(request, slug, application_id)

    @post("/{application_id:int}/documents", name="application_upload", **uploads.ROUTE)
    async def upload(
        self, request: Request, slug: FromPath[str], application_id: FromPath[int]
    ) -> Redirect | Template:
        principal = current_principal()
        case = await _changeable(application_id)
        documents = spec_of(case).documents
        reopened = await answers.reopened(case)
        try:
            upload, previous = await uploads.receive(
                request, "application", case.id, documents, case.sub.status, reopened
            )
        except keyed.KeyedRejected as exc:
            context = await _page_context(case, Shown(error=exc.message))
            context["error_doc"] = exc.doc_key
            return render(request, "certification/application.html", context, status_code=exc.status)
        await Submission.update(
            {Submission.updated_by: principal.user_id, Submission.updated_at: _now()}
        ).where(Submission.id == case.id)
        await submissions.write_changes(
            principal,
            case.id,
            [
                (
                    f"document:{upload.doc_key}",
                    previous[0]["name"] if previous else "",
                    upload.document.filename,
                )
            ],
        )
        return _to_application(request, slug, application_id)


async def _changeable(application_id: int) -> Case:
    case = await get_application(application_id)
    if case is None or not may_change(current_principal(), case):
        raise NotFoundException("application not found")
    return case


async def _may_start(principal: Principal, scheme_key: str) -> bool:
    scheme = await get_scheme(scheme_key)
    return (
        scheme is not None
        and not principal.province
        and principal.role in from_stored(scheme.spec).applicants
    )


# subjects an applicant registers itself (registry pages), and who may register them there
_REGISTER_PAGES = {
    "overseas_warehouse": ("warehouses", N_("Register an overseas warehouse")),
    "talent": ("talents", N_("Register a talent")),
}
_REGISTRARS = ("bureau_admin", "enterprise_user")


def _register_link(request: Request, principal: Principal, kind: str) -> dict | None:
    """Where the caller registers a subject of ``kind`` when it has none yet (None: not its to do)."""
    if kind not in _REGISTER_PAGES or principal.role not in _REGISTRARS:
        return None
    route, text = _REGISTER_PAGES[kind]
    slug = request.path_params["slug"]
    return {"href": request.app.route_reverse(route, slug=slug) + "#register-heading", "text": _(text)}


async def _new_page(
    request: Request,
    scheme_key: str,
    form: StartForm | None = None,
    errors: dict | None = None,
    status: int = 200,
) -> Template:
    principal = current_principal()
    scheme = await get_scheme(scheme_key)
    if scheme is None:
        raise NotFoundException("no such scheme")
    if not await _may_start(principal, scheme_key):
        return render(
            request,
            "certification/application_new.html",
            {"scheme": scheme, "subjects": [], "refused": True, "form": StartForm(), "errors": {}},
            status_code=403,
        )
    found = await subjects(principal, scheme.subject)
    return render(
        request,
        "certification/application_new.html",
        {
            "scheme": scheme,
            "subjects": found,
            "register": None if found else _register_link(request, principal, scheme.subject),
            "refused": False,
            "form": form or StartForm(),
            "errors": errors or {},
        },
        status_code=status,
    )
