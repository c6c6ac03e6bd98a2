"""Review steps, the same for every kind: the steps of a submission for its page (newest first, the
decision as a :class:`~pilotzone.workflow.states.Decision` so pages show its label), and whose
queue a caller sees."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from piccolo.columns import Column

from pilotzone.auth.principal import Principal
from pilotzone.web.i18n import gettext as _
from pilotzone.workflow import info_requests, told
from pilotzone.workflow.definitions import REVIEWERS, DocumentSpec, FieldDef
from pilotzone.workflow.info_requests import Reopens
from pilotzone.workflow.states import Action, Actor, Decision, Guard, Kind
from pilotzone.workflow.tables import ReviewStep, Submission
from pilotzone.workflow.transitions import Transition, check, move, now


async def steps_of(submission_id: int) -> list[dict]:
    """The review steps of a submission, newest first (at most 200)."""
    table = ReviewStep
    rows = (
        await table.select()
        .where(table.submission == submission_id)
        .order_by(table.id, ascending=False)
        .limit(200)
    )
    for row in rows:
        row["decision"] = Decision(row["decision"])
    return rows


def queue_of(principal: Principal) -> tuple[str, str] | None:
    """The stage role whose queue the caller sees and the district it is limited to (``""``: every
    district; a district reviewer without a district sees none: ``"-"``); None for non-reviewers."""
    m = principal.acting
    if principal.province or m is None or m.role not in REVIEWERS:
        return None
    return m.role, (m.district_code or "-") if m.role == "district_reviewer" else ""


async def record_step(
    row: Submission,
    stage_role: str,
    principal: Principal,
    action: Action,
    comment: str,
    reopens: Reopens,
    **own: Any,
) -> None:
    """The review step of ``principal``'s ``action`` on the submission ``row`` at its stage (an
    information request with what it reopens), with what the kind records (``own``: scores and
    total, verified values and reasons)."""
    step = ReviewStep(
        submission=row.id,
        stage=row.stage,
        stage_role=stage_role,
        reviewer_id=principal.user_id,
        reviewer_email=principal.label,
        decision=Decision(action.value),
        comment=comment,
        reopens=info_requests.to_json(reopens) if action is Action.REQUEST_INFO else {},
        **own,
    )
    await step.save()
    await told.step_recorded(row, action, comment, step.id)  # notify: who must hear of this step


def comment_errors(action: Action, comment: str) -> dict[str, str]:
    """A rejection needs its reasons, an information request what is needed."""
    if action is Action.REJECT and not comment:
        return {"comment": _("Give the reasons for the rejection.")}
    if action is Action.REQUEST_INFO and not comment:
        return {"comment": _("Say what information is needed.")}
    return {}


def reopened_by(
    action: Action, fields: Sequence[FieldDef], documents: Sequence[DocumentSpec], form: Mapping[str, str]
) -> Reopens:
    """What an information request reopens (the review form's checkboxes); nothing for other actions."""
    return info_requests.requested(fields, documents, form) if action is Action.REQUEST_INFO else Reopens()


async def advance(
    kind: Kind,
    row: Submission,
    action: Action,
    actors: Iterable[Actor],
    holds: Iterable[Guard],
    changes: dict[Column, Any] | None = None,
) -> tuple[Transition, int]:
    """A decision on a submission in review: the transition (approving at a stage that another one
    follows keeps the state and moves to the next stage), written only while the row is still at its
    stage. Returns (the transition, the new stage); raises Refused (``moved``: decided meanwhile)."""
    transition = check(kind, row.status, action, actors, holds)
    stage = (
        row.stage + 1 if action is Action.APPROVE and transition.target == transition.source else row.stage
    )
    values: dict[Column, Any] = {Submission.stage: stage, **(changes or {})}
    if stage != row.stage:
        values[Submission.moved_at] = now()
    where = Submission.stage == row.stage
    await move(kind, Submission, row.id, row.status, action, actors, holds, changes=values, where=where)
    return transition, stage
