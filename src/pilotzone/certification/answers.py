"""The applicant's answer to an information request (补正) on a certification application, with the
workflow's information requests (``pilotzone.workflow.answers``): the answer changes the reopened
fields (one history row each), the document versions uploaded under the reopened keys since the
request count as part of it, and the application goes back to ``in_review`` at the same stage. The
reviewer sees the request with its answer: old → new values, new document versions."""

from __future__ import annotations

from pilotzone.auth import audit
from pilotzone.auth.principal import Principal
from pilotzone.certification.applications import KIND, Case, actors, now, spec_of
from pilotzone.web.i18n import gettext as _
from pilotzone.workflow import answers, info_requests, submissions
from pilotzone.workflow.forms import Posted
from pilotzone.workflow.info_requests import AnswerInvalid, Reopens
from pilotzone.workflow.states import Action
from pilotzone.workflow.tables import Submission
from pilotzone.workflow.transitions import Refused, move_row


async def latest_request(case: Case) -> dict | None:
    """The information request the applicant has to answer, if any."""
    return await answers.latest_request(case.sub)


async def reopened(case: Case) -> Reopens | None:
    """What the open request reopens (None when no request waits for an answer)."""
    return await answers.reopened(case.sub)


def described(case: Case, row: dict | None) -> dict | None:
    spec = spec_of(case)
    return info_requests.described(row, spec.fields, spec.documents) if row else None


async def requests_of(case: Case) -> list[dict]:
    """Every information request of the application with its answer (newest first), for the reviewer."""
    spec = spec_of(case)
    return await answers.described_requests(case.id, spec.fields, spec.documents)


async def answer(principal: Principal, case: Case, form: Posted) -> None:
    """The applicant answers: the reopened fields as posted, back to ``in_review`` at the same stage.
    Raises AnswerInvalid (field errors, or 409 when no answer is awaited); nothing changes then."""
    sub = case.sub
    old = case.declared
    fields = spec_of(case).fields
    given = await answers.given(await latest_request(case), fields, old, form, "application", case.id)
    moment = now()
    try:
        moved = await move_row(
            KIND,
            sub,
            Action.ANSWER,
            actors(principal, case),
            changes={Submission.values: given.values, Submission.updated_by: principal.user_id},
        )
    except Refused as refused:
        raise AnswerInvalid({"status": _("No information was requested.")}, 409) from refused
    stored = await answers.store(given, moment)
    changes = [(c.key, c.old, c.new) for c in given.changes]
    status = [("answer", "", given.note), ("status", sub.status, moved.target)]
    await submissions.write_changes(principal, case.id, [*changes, *status])
    await audit.record(
        "application.answered",
        "application",
        case.id,
        before={"status": sub.status, "stage": sub.stage, "values": old},
        after={"status": moved.target, "stage": sub.stage, **stored},
    )
