"""Funding application pages: start for an open round, declare inputs, documents, submit, withdraw,
answer an information request, and the reviewers' verification form on the same page."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from pilotzone.auth.guards import MEMBERS, REVIEWERS, allow, tenant
from pilotzone.auth.principal import Principal, current_principal
from pilotzone.documents import keyed
from pilotzone.funding import answers, application_list, ledger, reviews
from pilotzone.funding import applications as apps
from pilotzone.funding.deadlines import round_deadline
from pilotzone.funding.estimate import estimate_of
from pilotzone.funding.explain import words
from pilotzone.funding.receipts import receipt_of
from pilotzone.funding.tables import Program, Round
from pilotzone.registry.subjects import subjects
from pilotzone.web.forms import URL_ENCODED
from pilotzone.web.i18n import get_locale
from pilotzone.web.render import render
from pilotzone.web.urls import url_for
from pilotzone.workflow import info_requests, receipts, uploads
from pilotzone.workflow.filters import LISTING, Listing, filter_context, filter_status, parse
from pilotzone.workflow.forms import NOTHING_POSTED, ReviewForm, Shown, posted
from pilotzone.workflow.scope import visible
from pilotzone.workflow.states import Action, FundingState
from pilotzone.workflow.transitions import may

STARTERS = tenant("bureau_admin", "park_operator", "enterprise_user")
PAGE = "funding/application.html"
STAFF = ("bureau_admin", "bureau_reviewer", "district_reviewer")  # see the formula beside the words


async def _context(application: apps.Applied, shown: Shown = NOTHING_POSTED) -> dict:
    principal = current_principal()
    sub, app = application.sub, application.app
    spec = await apps.version_spec(app.program_version)
    program = await Program.objects().where(Program.id == app.program).first()
    rnd = await Round.objects().where(Round.id == app.round).first()
    changeable = apps.may_change(principal, application, spec)
    who = apps.actors(principal, application, spec)
    can_review = reviews.may_review(principal, spec, application)
    outcome = await ledger.outcome_of(application.id) if sub.status == FundingState.VERIFIED else None
    if outcome is not None:
        outcome["words"] = words(outcome["explanation"], spec, get_locale())
    return {
        "application": application,
        "program": program,
        "round": rnd,
        "deadline": round_deadline(rnd.status, rnd.opens_at, rnd.closes_at) if rnd else None,
        "spec": spec,
        "inputs": spec.inputs,
        "units": {f.key: apps.unit_of(spec, f) for f in spec.inputs},
        **shown.context(application.declared),
        "verified": apps.as_dict(app.verified),
        "verified_reasons": apps.as_dict(app.verified_reasons),
        "documents": await keyed.documents_by_key(apps.OWNER, application.id),
        "status_label": apps.status_label(sub.status),
        "can_edit": changeable and sub.status == FundingState.DRAFT,
        "can_withdraw": may(apps.KIND, sub.status, Action.WITHDRAW, who),
        "can_answer": may(apps.KIND, sub.status, Action.ANSWER, who),
        "can_review": can_review,
        "stage_role": reviews.stage_role(spec, application),
        "reviews": await reviews.reviews_of(application.id)
        if not principal.role == "enterprise_user"
        else [],
        "info_request": answers.described(spec, await answers.latest_request(application)),
        "requests": await answers.requests_of(application, spec) if can_review else [],
        "estimate": await estimate_of(application, spec),
        "staff": principal.province or principal.role in STAFF,  # may see the formula
        "outcome": outcome,
    }


async def _refused(
    request: Request,
    application: apps.Applied,
    exc: apps.FundingError,
    values: dict[str, str] | None = None,
) -> Template:
    """The application page again with the refusal next to its field."""
    context = await _context(application, Shown(values, {exc.field: exc.message}))
    return render(request, PAGE, context, status_code=exc.status)


async def _visible(principal: Principal, application_id: int) -> apps.Applied:
    application = await apps.get_application(application_id)
    if application is None or not visible(principal, application.sub):
        raise NotFoundException("application not found")
    return application


async def _changeable(application_id: int) -> apps.Applied:
    application = await _visible(current_principal(), application_id)
    if not apps.may_change(
        current_principal(), application, await apps.version_spec(application.app.program_version)
    ):
        raise NotFoundException("application not found")
    return application


async def _declared(request: Request, application_id: int) -> tuple[apps.Applied, dict[str, str]]:
    """The changeable application and its declared values with the posted ones merged in."""
    application = await _changeable(application_id)
    spec = await apps.version_spec(application.app.program_version)
    return application, apps.merged_declared(application, spec, await posted(request))


async def _owner_visible(principal: Principal, application_id: int) -> bool:
    try:
        await _visible(principal, application_id)
    except NotFoundException:
        return False
    return True


async def _owner_context(application_id: int) -> dict:
    application = await apps.get_application(application_id)
    if application is None:
        raise NotFoundException("application not found")
    return await _context(application)


_to_application = uploads.owned_by(
    apps.OWNER, _owner_visible, PAGE, _owner_context, ("funding_application", "funding_application_id")
)


def _page(request: Request, slug: str, application_id: int) -> str:
    return url_for(request, "funding_application", slug=slug, funding_application_id=application_id)


class FundingApplicationController(Controller):
    path = "/z/{slug:str}/funding/applications"

    @get("/", name="funding_applications", opt=allow(MEMBERS), dependencies={"listing": LISTING})
    async def index(self, request: Request, listing: Listing) -> Template:
        principal = current_principal()
        offered = await application_list.choices()
        chosen, errors = parse(listing, offered)
        page, rows = await application_list.list_applications(principal, chosen)
        rounds = (
            await apps.open_rounds()
            if principal.role in ("bureau_admin", "park_operator", "enterprise_user")
            else []
        )
        context = {
            "applications": rows,
            "page": page,
            "rounds": rounds,
            **filter_context(listing, offered, chosen, errors),
        }
        return render(
            request,
            "funding/applications.html",
            context,
            partial="funding/partials/applications.html",
            status_code=filter_status(request, errors),
        )

    @get("/new", name="funding_application_new", opt=allow(STARTERS))
    async def new(self, request: Request, round_id: FromQuery[int] = 0) -> Template:
        return await _new_page(request, round_id)

    @post("/", name="funding_application_create", opt=allow(STARTERS), status_code=303)
    async def create(
        self, request: Request, slug: FromPath[str], data: Annotated[apps.StartForm, URL_ENCODED]
    ) -> Redirect | Template:
        try:
            application = await apps.create_application(current_principal(), data.round, data.subject_id)
        except apps.FundingError as exc:
            rid = int(data.round) if data.round.isdigit() else 0
            return await _new_page(request, rid, errors={exc.field: exc.message}, status=exc.status)
        return _to_application(request, slug, application.id)

    @get("/{funding_application_id:int}", name="funding_application", opt=allow(MEMBERS))
    async def detail(self, request: Request, funding_application_id: FromPath[int]) -> Template:
        application = await _visible(current_principal(), funding_application_id)
        context = await _context(application)
        event = request.query_params.get("receipt", "")
        context["receipt"] = await receipt_of(application, event, current_principal().user_id)
        return render(request, PAGE, context)

    @post(
        "/{funding_application_id:int}/save",
        name="funding_application_save",
        opt=allow(STARTERS),
        status_code=303,
    )
    async def save(
        self, request: Request, slug: FromPath[str], funding_application_id: FromPath[int]
    ) -> Redirect | Template:
        application, values = await _declared(request, funding_application_id)
        try:
            await apps.save_declared(current_principal(), application, values)
        except apps.FundingError as exc:
            return await _refused(request, application, exc, values)
        return _to_application(request, slug, funding_application_id)

    @post(
        "/{funding_application_id:int}/submit",
        name="funding_application_submit",
        opt=allow(STARTERS),
        status_code=303,
    )
    async def submit(
        self, request: Request, slug: FromPath[str], funding_application_id: FromPath[int]
    ) -> Redirect | Template:
        application, values = await _declared(request, funding_application_id)
        errors = await apps.submit(current_principal(), application, values)
        if errors:
            return render(request, PAGE, await _context(application, Shown(values, errors)), status_code=400)
        return receipts.redirect(_page(request, slug, funding_application_id))

    @post(
        "/{funding_application_id:int}/withdraw",
        name="funding_application_withdraw",
        opt=allow(STARTERS),
        status_code=303,
    )
    async def withdraw(
        self, request: Request, slug: FromPath[str], funding_application_id: FromPath[int]
    ) -> Redirect | Template:
        application = await _changeable(funding_application_id)
        try:
            spec = await apps.version_spec(application.app.program_version)
            await apps.withdraw(current_principal(), application, spec)
        except apps.FundingError as exc:
            return await _refused(request, application, exc)
        return _to_application(request, slug, funding_application_id)

    @post(
        "/{funding_application_id:int}/answer",
        name="funding_application_answer",
        opt=allow(STARTERS),
        status_code=303,
    )
    async def answer(
        self, request: Request, slug: FromPath[str], funding_application_id: FromPath[int]
    ) -> Redirect | Template:
        application = await _changeable(funding_application_id)
        form = await posted(request)
        spec = await apps.version_spec(application.app.program_version)
        try:
            await answers.answer(current_principal(), application, spec, form)
        except info_requests.AnswerInvalid as exc:
            context = await _context(application, Shown(errors=exc.errors, answer_form=form))
            return render(request, PAGE, context, status_code=exc.status)
        return receipts.redirect(_page(request, slug, funding_application_id), "answered")

    @post(
        "/{funding_application_id:int}/review",
        name="funding_application_review",
        opt=allow(REVIEWERS),
        status_code=303,
    )
    async def review(
        self,
        request: Request,
        slug: FromPath[str],
        funding_application_id: FromPath[int],
        data: Annotated[ReviewForm, URL_ENCODED],
    ) -> Redirect | Template:
        application = await _visible(current_principal(), funding_application_id)
        form = await posted(request)
        try:
            await reviews.decide(current_principal(), application, data, form)
        except apps.FundingError as exc:
            errors = exc.errors if isinstance(exc, reviews.ReviewInvalid) else {exc.field: exc.message}
            context = await _context(application, Shown(errors=errors))
            context["review_form"] = form
            return render(request, PAGE, context, status_code=exc.status)
        return receipts.redirect(_page(request, slug, funding_application_id), "decided")

    @post("/{funding_application_id:int}/documents", name="funding_application_upload", **uploads.ROUTE)
    async def upload(
        self, request: Request, slug: FromPath[str], funding_application_id: FromPath[int]
    ) -> Redirect | Template:
        application = await _changeable(funding_application_id)
        documents = (await apps.version_spec(application.app.program_version)).documents
        reopened = await answers.reopened(application)
        try:
            await uploads.receive(
                request, apps.OWNER, application.id, documents, application.sub.status, reopened
            )
        except keyed.KeyedRejected as exc:
            context = await _context(application, Shown(error=exc.message))
            context["error_doc"] = exc.doc_key
            return render(request, PAGE, context, status_code=exc.status)
        return _to_application(request, slug, funding_application_id)


async def _new_page(
    request: Request, round_id: int, errors: dict | None = None, status: int = 200
) -> Template:
    rounds = {r["id"]: r for r in await apps.open_rounds()}
    chosen = rounds.get(round_id)
    if chosen is None:
        raise NotFoundException("no such open round")
    return render(
        request,
        "funding/application_new.html",
        {
            "round": chosen,
            "subjects": await subjects(current_principal(), chosen["program.subject"]),
            "errors": errors or {},
        },
        status_code=status,
    )
