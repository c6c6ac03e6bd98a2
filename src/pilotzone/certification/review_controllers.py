"""Review pages: the queue of the caller's stage, an application's review with scoring and decisions,
bulk decisions, and the applicant's answer to an information request."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from pilotzone.auth.guards import REVIEWERS, allow, tenant
from pilotzone.auth.principal import current_principal
from pilotzone.certification import answers
from pilotzone.certification.application_controllers import _changeable, _page_context
from pilotzone.certification.applications import (
    STARTERS,
    Case,
    get_application,
    shown_status,
    spec_of,
    visible_application,
)
from pilotzone.certification.receipts import decision_receipt
from pilotzone.certification.reviews import (
    AGES,
    ReviewError,
    conflicted,
    decide,
    is_final,
    may_review,
    queue,
    reviews_of,
    stage_role,
)
from pilotzone.documents import keyed
from pilotzone.web.forms import URL_ENCODED
from pilotzone.web.i18n import gettext as _
from pilotzone.web.render import render
from pilotzone.web.urls import url_for
from pilotzone.workflow import filters, receipts
from pilotzone.workflow.filters import FilterQuery
from pilotzone.workflow.forms import ReviewForm, Shown, posted
from pilotzone.workflow.info_requests import AnswerInvalid
from pilotzone.workflow.receipts import Receipt

BULK = tenant("bureau_admin", "bureau_reviewer")


class BulkForm(msgspec.Struct):
    """The queue's bulk decision: the ticked applications (``ids``: one ticked decodes as text, several
    as a list), ``reject`` or ``request_info``, and the message sent to each applicant."""

    ids: list[str] | str = []
    decision: str = ""
    comment: str = ""

    def application_ids(self) -> list[int]:
        """The ticked application ids (anything not a number is left out)."""
        ticked = [self.ids] if isinstance(self.ids, str) else self.ids
        return [int(v) for v in ticked if v.isdigit()]


async def _review_context(
    case: Case, form: dict[str, str] | None = None, errors: dict[str, str] | None = None
) -> dict:
    principal = current_principal()
    return {
        "application": case,
        "spec": spec_of(case),
        "values": case.declared,
        "documents": await keyed.documents_by_key("application", case.id),
        "reviews": await reviews_of(case.id),
        "requests": await answers.requests_of(case),
        "status_label": await shown_status(case),
        "stage_role": stage_role(case),
        "final": is_final(case),
        "can_review": may_review(principal, case),
        "form": form or {},
        "errors": errors or {},
    }


async def _queue_page(
    request: Request,
    scheme: str,
    age: int,
    error: str | None = None,
    status: int = 200,
    receipt: Receipt | None = None,
    listing: FilterQuery | None = None,
) -> Template:
    listing = listing or FilterQuery()
    offered = filters.Choices(districts=filters.district_choices(), dates=False, decided=False)
    chosen, errors = filters.parse(listing, offered)
    found = await queue(current_principal(), scheme, age, chosen)
    return render(
        request,
        "certification/reviews.html",
        {
            **found,
            "scheme": scheme,
            "age": age,
            "ages": AGES,
            "error": error,
            "receipt": receipt,
            "can_bulk": current_principal().role in ("bureau_admin", "bureau_reviewer"),
            **filters.filter_context(listing, offered, chosen, errors),
        },
        status_code=status if status != 200 else filters.filter_status(request, errors),
    )


class ReviewController(Controller):
    path = "/z/{slug:str}/reviews"

    @get("/", name="reviews", opt=allow(REVIEWERS), dependencies={"listing": filters.LISTING})
    async def index(
        self,
        request: Request,
        listing: filters.Listing,
        scheme: FromQuery[str] = "",
        age: FromQuery[int] = 0,
        decided: FromQuery[int] = 0,
    ) -> Template:
        found = await decision_receipt(decided, current_principal().user_id) if decided > 0 else None
        return await _queue_page(request, scheme, age, receipt=found, listing=listing)

    @get("/{application_id:int}", name="review", opt=allow(REVIEWERS))
    async def detail(self, request: Request, application_id: FromPath[int]) -> Template:
        principal = current_principal()
        case = await visible_application(principal, application_id)
        if case is None or case.sub.status == "draft":
            raise NotFoundException("application not found")
        if await conflicted(principal, application_id):
            raise PermissionDeniedException("you declared a conflict of interest")
        return render(request, "certification/review.html", await _review_context(case))

    @post("/{application_id:int}", name="review_decide", opt=allow(REVIEWERS), status_code=303)
    async def decide(
        self,
        request: Request,
        slug: FromPath[str],
        application_id: FromPath[int],
        data: Annotated[ReviewForm, URL_ENCODED],
    ) -> Redirect | Template:
        principal = current_principal()
        case = await visible_application(principal, application_id)
        if case is None or case.sub.status == "draft":
            raise NotFoundException("application not found")
        form = await posted(request)
        try:
            await decide(principal, case, data, form)
        except ReviewError as exc:
            if exc.status == 403:
                raise PermissionDeniedException(exc.message) from None
            context = await _review_context(case, form=form, errors={exc.field: exc.message})
            return render(request, "certification/review.html", context, status_code=exc.status)
        return Redirect(path=f"{url_for(request, 'reviews', slug=slug)}?decided={application_id}", status_code=303)

    @post("/bulk", name="reviews_bulk", opt=allow(BULK), status_code=303)
    async def bulk(
        self, request: Request, slug: FromPath[str], data: Annotated[BulkForm, URL_ENCODED]
    ) -> Redirect | Template:
        principal = current_principal()
        decision, message, ids = data.decision, data.comment.strip(), data.application_ids()
        if decision not in ("reject", "request_info") or not message:
            error = _("Choose reject or request information, and write the message.")
            return await _queue_page(request, "", 0, error=error, status=400)
        for application_id in ids:
            case = await get_application(application_id)
            if case is None or not may_review(principal, case):
                continue
            try:
                await decide(principal, case, ReviewForm(decision=decision, comment=message), {})
            except ReviewError:
                continue  # conflicts and concurrent decisions are skipped
        return Redirect(path=url_for(request, "reviews", slug=slug), status_code=303)


class AnswerController(Controller):
    """The applicant's side: answer an information request (the application page shows the form)."""

    path = "/z/{slug:str}/applications"

    @post("/{application_id:int}/answer", name="application_answer", opt=allow(STARTERS), status_code=303)
    async def answer(
        self, request: Request, slug: FromPath[str], application_id: FromPath[int]
    ) -> Redirect | Template:
        case = await _changeable(application_id)
        form = await posted(request)
        try:
            await answers.answer(current_principal(), case, form)
        except AnswerInvalid as exc:
            context = await _page_context(case, Shown(errors=exc.errors, answer_form=form))
            return render(request, "certification/application.html", context, status_code=exc.status)
        return receipts.redirect(url_for(request, "application", slug=slug, application_id=application_id), "answered")
