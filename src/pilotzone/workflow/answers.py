"""Information requests as review steps, written once for every kind: the request rows of a
submission (a ``request_info`` step of the kind's review table), the one the applicant has to answer,
and the applicant's answer read from the form (the reopened fields, a note, the document versions
uploaded under reopened keys since the request) and stored on the request. Moving the submission
back to review is the kind's (``transitions.move`` with ``Action.ANSWER``), with what else changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from piccolo.query import Select

from pilotzone.documents import keyed
from pilotzone.web.i18n import gettext as _
from pilotzone.workflow import info_requests, told
from pilotzone.workflow.definitions import DocumentSpec, FieldDef
from pilotzone.workflow.fields import check_field
from pilotzone.workflow.forms import Posted
from pilotzone.workflow.info_requests import Answer, AnswerInvalid, FieldChange, NewVersion, Reopens
from pilotzone.workflow.states import Action, Actor, Decision, Kind
from pilotzone.workflow.tables import ReviewStep, Submission
from pilotzone.workflow.transitions import may


def requests(submission_id: int) -> Select:
    """The information requests of a submission, newest first."""
    table = ReviewStep
    return (
        table.select(
            table.id,
            table.comment,
            table.created_at,
            table.stage_role,
            table.reviewer_email,
            table.reopens,
            table.answer,
            table.answered_at,
        )
        .where((table.submission == submission_id) & (table.decision == Decision.REQUEST_INFO))
        .order_by(table.id, ascending=False)
    )


async def latest_request(row: Submission) -> dict | None:
    """The request the applicant has to answer, if the submission ``row`` waits for an answer."""
    if not may(Kind(row.kind), row.status, Action.ANSWER, {Actor.APPLICANT}):
        return None
    return await requests(row.id).first()


async def described_requests(
    submission_id: int,
    fields: Sequence[FieldDef],
    documents: Sequence[DocumentSpec],
) -> list[dict]:
    """Every request with its answer (newest first, at most 50), labelled for the reviewer's page."""
    rows = await requests(submission_id).limit(50)
    return [info_requests.described(r, fields, documents) for r in rows]


async def reopened(row: Submission) -> Reopens | None:
    """What the open request reopens (None when no request waits for an answer)."""
    request = await latest_request(row)
    return info_requests.reopens_of(request["reopens"]) if request else None


@dataclass
class Given:
    """An answer as read from the form: the request it answers, the values after it (every field;
    the reopened ones as answered), what changed, the note and the new document versions."""

    request: dict
    values: dict[str, str]
    changes: list[FieldChange]
    note: str
    versions: list[NewVersion]

    def answer(self) -> Answer:
        return Answer(note=self.note, fields=self.changes, documents=self.versions)


async def given(
    request: dict | None,
    fields: Sequence[FieldDef],
    old: dict[str, str],
    form: Posted,
    owner: str,
    row_id: int,
) -> Given:
    """The answer to ``request`` posted in ``form``; raises AnswerInvalid (field errors, or 409 when
    no answer is awaited): nothing changes then."""
    if request is None:
        raise AnswerInvalid({"status": _("No information was requested.")}, 409)
    reopens: Reopens = info_requests.reopens_of(request["reopens"])
    values, changes, errors = info_requests.answered_values(fields, reopens, old, form, check_field)
    note = form.get("note", "").strip()
    if not note:
        errors["note"] = _("Write your answer.")
    if errors:
        raise AnswerInvalid(errors)
    documents = await keyed.documents_by_key(owner, row_id)
    versions = info_requests.new_versions(reopens, documents, request["created_at"])
    return Given(request=request, values=values, changes=changes, note=note, versions=versions)


async def store(answer: Given, moment: datetime) -> dict:
    """Keep the answer on its request row; returns it as stored (JSON)."""
    stored = info_requests.to_json(answer.answer())
    table = ReviewStep
    await table.update({table.answer: stored, table.answered_at: moment}).where(
        table.id == answer.request["id"]
    )
    await told.info_answered(answer.request["id"])  # notify: the reviewer who asked
    return stored
