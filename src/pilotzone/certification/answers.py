"""The applicant's answer to an information request (补正): the request names the fields and documents
it reopens (``pilotzone.workflow.info_requests``); the answer changes those fields (one history row
each), the document versions uploaded under the reopened keys since the request count as part of it,
and the application goes back to ``in_review`` at the same stage. The reviewer sees the request with
its answer: old → new values, new document versions."""

from __future__ import annotations

from pilotzone.auth import audit
from pilotzone.auth.principal import Principal
from pilotzone.certification.applications import KIND, actors, check_field, now, spec_of, write_changes
from pilotzone.certification.tables import Application, Review
from pilotzone.documents import keyed
from pilotzone.web.i18n import gettext as _
from pilotzone.workflow import info_requests
from pilotzone.workflow.info_requests import Answer, AnswerInvalid, Reopens
from pilotzone.workflow.states import Action, Actor, Decision
from pilotzone.workflow.transitions import Refused, may, move

_REQUEST_COLUMNS = (
    Review.id,
    Review.comment,
    Review.created_at,
    Review.stage_role,
    Review.reviewer_email,
    Review.reopens,
    Review.answer,
    Review.answered_at,
)


async def latest_request(application: Application) -> dict | None:
    """The information request the applicant has to answer, if the application waits for one."""
    if not may(KIND, application.status, Action.ANSWER, {Actor.APPLICANT}):
        return None
    return (
        await Review.select(*_REQUEST_COLUMNS)
        .where((Review.application == application.id) & (Review.decision == Decision.REQUEST_INFO))
        .order_by(Review.id, ascending=False)
        .first()
    )


async def reopened(application: Application) -> Reopens | None:
    """What the open request reopens (None when no request waits for an answer)."""
    request = await latest_request(application)
    return info_requests.reopens_of(request["reopens"]) if request else None


def described(application: Application, row: dict | None) -> dict | None:
    spec = spec_of(application.spec)
    return info_requests.described(row, spec.get("fields", []), spec.get("documents", [])) if row else None


async def requests_of(application: Application) -> list[dict]:
    """Every information request of the application with its answer (newest first), for the reviewer."""
    rows = (
        await Review.select(*_REQUEST_COLUMNS)
        .where((Review.application == application.id) & (Review.decision == Decision.REQUEST_INFO))
        .order_by(Review.id, ascending=False)
        .limit(50)
    )
    return [d for d in (described(application, r) for r in rows) if d]


async def answer(principal: Principal, application: Application, form: dict[str, str]) -> None:
    """The applicant answers: the reopened fields as posted, back to ``in_review`` at the same stage.
    Raises AnswerInvalid (field errors, or 409 when no answer is awaited); nothing changes then."""
    request = await latest_request(application)
    if request is None:
        raise AnswerInvalid({"status": _("No information was requested.")}, 409)
    reopens = info_requests.reopens_of(request["reopens"])
    old = {k: str(v) for k, v in spec_of(application.values).items()}
    values, changes, errors = info_requests.answered_values(
        spec_of(application.spec).get("fields", []), reopens, old, form, check_field
    )
    note = form.get("note", "").strip()
    if not note:
        errors["note"] = _("Write your answer.")
    if errors:
        raise AnswerInvalid(errors)
    versions = info_requests.new_versions(
        reopens, await keyed.documents_by_key("application", application.id), request["created_at"]
    )
    moment = now()
    try:
        moved = await move(
            KIND,
            Application,
            application.id,
            application.status,
            Action.ANSWER,
            actors(principal, application),
            changes={
                Application.values: values,
                Application.moved_at: moment,
                Application.updated_by: principal.user_id,
                Application.updated_at: moment,
            },
        )
    except Refused as refused:
        raise AnswerInvalid({"status": _("No information was requested.")}, 409) from refused
    given = Answer(note=note, fields=changes, documents=versions)
    await Review.update({Review.answer: info_requests.to_json(given), Review.answered_at: moment}).where(
        Review.id == request["id"]
    )
    await write_changes(
        principal,
        application,
        [
            *((c.key, c.old, c.new) for c in changes),
            ("answer", "", note),
            ("status", application.status, moved.target),
        ],
    )
    await audit.record(
        "application.answered",
        "application",
        application.id,
        before={"status": application.status, "stage": application.stage, "values": old},
        after={"status": moved.target, "stage": application.stage, **info_requests.to_json(given)},
    )
