"""The applicant's answer to an information request on a funding application: the request names the
inputs and documents it reopens (``pilotzone.workflow.info_requests``); the answer changes those
declared values (a changed input loses its verified value and reason, so the reviewer verifies it
again from the new declaration), the document versions uploaded under the reopened keys since the
request count as part of it, and the application goes back to ``in_review`` at the same stage."""

from __future__ import annotations

from pilotzone.auth import audit
from pilotzone.auth.principal import Principal
from pilotzone.certification.applications import check_field
from pilotzone.documents import keyed
from pilotzone.funding.application_tables import FundingApplication, FundingReview
from pilotzone.funding.applications import KIND, OWNER, actors, as_dict, inputs_of, now
from pilotzone.web.i18n import gettext as _
from pilotzone.workflow import info_requests
from pilotzone.workflow.info_requests import Answer, AnswerInvalid, Reopens
from pilotzone.workflow.states import Action, Actor, Decision
from pilotzone.workflow.transitions import Refused, may, move

_REQUEST_COLUMNS = (
    FundingReview.id,
    FundingReview.comment,
    FundingReview.created_at,
    FundingReview.stage_role,
    FundingReview.reviewer_email,
    FundingReview.reopens,
    FundingReview.answer,
    FundingReview.answered_at,
)


def _requests(application_id: int):  # type: ignore[no-untyped-def] - a Piccolo select
    return (
        FundingReview.select(*_REQUEST_COLUMNS)
        .where(
            (FundingReview.application == application_id) & (FundingReview.decision == Decision.REQUEST_INFO)
        )
        .order_by(FundingReview.id, ascending=False)
    )


async def latest_request(application: FundingApplication) -> dict | None:
    """The information request the applicant has to answer, if the application waits for one."""
    if not may(KIND, application.status, Action.ANSWER, {Actor.APPLICANT}):
        return None
    return await _requests(application.id).first()


async def reopened(application: FundingApplication) -> Reopens | None:
    request = await latest_request(application)
    return info_requests.reopens_of(request["reopens"]) if request else None


def described(spec: dict, row: dict | None) -> dict | None:
    return info_requests.described(row, inputs_of(spec), spec.get("documents", [])) if row else None


async def requests_of(application: FundingApplication, spec: dict) -> list[dict]:
    """Every information request with its answer (newest first), for the reviewer."""
    return [d for d in (described(spec, r) for r in await _requests(application.id).limit(50)) if d]


async def answer(
    principal: Principal, application: FundingApplication, spec: dict, form: dict[str, str]
) -> None:
    """The applicant answers: the reopened inputs as posted, back to ``in_review`` at the same stage.
    Raises AnswerInvalid (field errors, or 409 when no answer is awaited); nothing changes then."""
    request = await latest_request(application)
    if request is None:
        raise AnswerInvalid({"status": _("No information was requested.")}, 409)
    reopens = info_requests.reopens_of(request["reopens"])
    old = {k: str(v) for k, v in as_dict(application.declared).items()}
    declared, changes, errors = info_requests.answered_values(
        inputs_of(spec), reopens, old, form, check_field
    )
    note = form.get("note", "").strip()
    if not note:
        errors["note"] = _("Write your answer.")
    if errors:
        raise AnswerInvalid(errors)
    versions = info_requests.new_versions(
        reopens, await keyed.documents_by_key(OWNER, application.id), request["created_at"]
    )
    changed = {c.key for c in changes}
    verified = {k: v for k, v in as_dict(application.verified).items() if k not in changed}
    reasons = {k: v for k, v in as_dict(application.verified_reasons).items() if k not in changed}
    moment = now()
    try:
        moved = await move(
            KIND,
            FundingApplication,
            application.id,
            application.status,
            Action.ANSWER,
            actors(principal, application, spec),
            changes={
                FundingApplication.declared: declared,
                FundingApplication.verified: verified,
                FundingApplication.verified_reasons: reasons,
            },
        )
    except Refused as refused:
        raise AnswerInvalid({"status": _("No information was requested.")}, 409) from refused
    given = info_requests.to_json(Answer(note=note, fields=changes, documents=versions))
    await FundingReview.update({FundingReview.answer: given, FundingReview.answered_at: moment}).where(
        FundingReview.id == request["id"]
    )
    await FundingReview(
        application=application.id,
        stage=application.stage,
        stage_role=principal.role or "",
        reviewer_id=principal.user_id,
        reviewer_email=principal.label,
        decision=Decision.ANSWER,
        comment=note,
    ).save()
    await audit.record(
        "funding_application.answered",
        OWNER,
        application.id,
        before={"status": application.status, "declared": old},
        after={"status": moved.target, **given},
    )
