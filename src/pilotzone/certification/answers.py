"""The applicant's answer to an information request (补正) on a certification application, with the
workflow's information requests (``pilotzone.workflow.answers``): the answer changes the reopened
fields (one history row each), the document versions uploaded under the reopened keys since the
request count as part of it, and the application goes back to ``in_review`` at the same stage. The
reviewer sees the request with its answer: old → new values, new document versions."""

from __future__ import annotations

from pilotzone.auth import audit
from pilotzone.auth.principal import Principal
from pilotzone.certification.applications import KIND, actors, now, spec_of, values_of, write_changes
from pilotzone.certification.tables import Application, Review
from pilotzone.web.i18n import gettext as _
from pilotzone.workflow import answers, info_requests
from pilotzone.workflow.forms import Posted
from pilotzone.workflow.info_requests import AnswerInvalid
from pilotzone.workflow.states import Action
from pilotzone.workflow.transitions import Refused, move_row

REQUESTS = answers.Requests(KIND, Review, Review.application)
latest_request = REQUESTS.latest  # the information request the applicant has to answer, if any
reopened = REQUESTS.reopened  # what the open request reopens (None when no request waits for an answer)


def described(application: Application, row: dict | None) -> dict | None:
    spec = spec_of(application)
    return info_requests.described(row, spec.fields, spec.documents) if row else None


async def requests_of(application: Application) -> list[dict]:
    """Every information request of the application with its answer (newest first), for the reviewer."""
    spec = spec_of(application)
    return await REQUESTS.described(application.id, spec.fields, spec.documents)


async def answer(principal: Principal, application: Application, form: Posted) -> None:
    """The applicant answers: the reopened fields as posted, back to ``in_review`` at the same stage.
    Raises AnswerInvalid (field errors, or 409 when no answer is awaited); nothing changes then."""
    old = {k: str(v) for k, v in values_of(application.values).items()}
    fields = spec_of(application).fields
    given = await answers.given(
        await latest_request(application), fields, old, form, "application", application.id
    )
    moment = now()
    try:
        moved = await move_row(
            KIND,
            application,
            Action.ANSWER,
            actors(principal, application),
            changes={Application.values: given.values, Application.updated_by: principal.user_id},
        )
    except Refused as refused:
        raise AnswerInvalid({"status": _("No information was requested.")}, 409) from refused
    stored = await answers.store(Review, given, moment)
    changes = [(c.key, c.old, c.new) for c in given.changes]
    status = [("answer", "", given.note), ("status", application.status, moved.target)]
    await write_changes(principal, application, [*changes, *status])
    await audit.record(
        "application.answered",
        "application",
        application.id,
        before={"status": application.status, "stage": application.stage, "values": old},
        after={"status": moved.target, "stage": application.stage, **stored},
    )
