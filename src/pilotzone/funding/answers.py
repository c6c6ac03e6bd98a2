"""The applicant's answer to an information request on a funding application, with the workflow's
information requests (``pilotzone.workflow.answers``): the answer changes the reopened declared
values (a changed input loses its verified value and reason, so the reviewer verifies it again from
the new declaration), the document versions uploaded under the reopened keys since the request count
as part of it, and the application goes back to ``in_review`` at the same stage."""

from __future__ import annotations

from pilotzone.auth import audit
from pilotzone.auth.principal import Principal
from pilotzone.funding.application_tables import FundingApplication
from pilotzone.funding.applications import OWNER, Applied, actors, as_dict, now
from pilotzone.funding.program_spec import ProgramSpec
from pilotzone.web.i18n import gettext as _
from pilotzone.workflow import answers, info_requests, submissions
from pilotzone.workflow.forms import Posted
from pilotzone.workflow.info_requests import AnswerInvalid, Reopens
from pilotzone.workflow.reviews import record_step
from pilotzone.workflow.states import Action, Kind
from pilotzone.workflow.tables import Submission
from pilotzone.workflow.transitions import Refused, move_row


async def latest_request(application: Applied) -> dict | None:
    """The information request the applicant has to answer, if any."""
    return await answers.latest_request(application.sub)


async def reopened(application: Applied) -> Reopens | None:
    """What the open request reopens (None when no request waits for an answer)."""
    return await answers.reopened(application.sub)


def described(spec: ProgramSpec, row: dict | None) -> dict | None:
    return info_requests.described(row, spec.inputs, spec.documents) if row else None


async def requests_of(application: Applied, spec: ProgramSpec) -> list[dict]:
    """Every information request with its answer (newest first), for the reviewer."""
    return await answers.described_requests(application.id, spec.inputs, spec.documents)


async def answer(principal: Principal, application: Applied, spec: ProgramSpec, form: Posted) -> None:
    """The applicant answers: the reopened inputs as posted, back to ``in_review`` at the same stage.
    Raises AnswerInvalid (field errors, or 409 when no answer is awaited); nothing changes then."""
    sub, app = application.sub, application.app
    old = application.declared
    request = await latest_request(application)
    given = await answers.given(request, spec.inputs, old, form, OWNER, application.id)
    changed = {c.key for c in given.changes}
    verified = {k: v for k, v in as_dict(app.verified).items() if k not in changed}
    reasons = {k: v for k, v in as_dict(app.verified_reasons).items() if k not in changed}
    try:
        moved = await move_row(
            Kind.FUNDING,
            sub,
            Action.ANSWER,
            actors(principal, application, spec),
            changes={Submission.values: given.values, Submission.updated_by: principal.user_id},
        )
    except Refused as refused:
        raise AnswerInvalid({"status": _("No information was requested.")}, 409) from refused
    await FundingApplication.update(
        {FundingApplication.verified: verified, FundingApplication.verified_reasons: reasons}
    ).where(FundingApplication.id == app.id)
    await submissions.write_changes(principal, sub.id, [(c.key, c.old, c.new) for c in given.changes])
    await submissions.record_move(principal, sub, moved.target)
    stored = await answers.store(given, now())
    await record_step(sub, principal.role or "", principal, Action.ANSWER, given.note, Reopens())
    await audit.record(
        "funding_application.answered",
        OWNER,
        application.id,
        before={"status": sub.status, "declared": old},
        after={"status": moved.target, **stored},
    )
