"""Submissions of every kind, on the one table (``workflow.tables.Submission``): reading one of a
kind, starting one for a subject, and who changed what (one ``submission_change`` row per changed
field, status or document). A kind keeps its own part in a table of its package whose ``id`` is the
submission's; it writes that row right after :func:`start`, in the same transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from piccolo.table import Table

from pilotzone.auth.principal import Principal
from pilotzone.workflow.states import Kind
from pilotzone.workflow.tables import Submission, SubmissionChange
from pilotzone.workflow.transitions import INITIAL

Part = TypeVar("Part", bound=Table)


@dataclass(frozen=True)
class Kept(Generic[Part]):
    """A submission as read with its kind's part (``app``: the row of the kind's table with the same
    ``id``: a certification's scheme and spec, a funding application's program, round and verified
    values)."""

    sub: Submission
    app: Part

    @property
    def id(self) -> int:
        return int(self.sub.id)

    @property
    def declared(self) -> dict[str, str]:
        """The declared field values as text by field key."""
        return values_of(self.sub.values)


async def kept(kind: Kind, part: type[Part], ids: list[int]) -> dict[int, Kept[Part]]:
    """The submissions ``ids`` of ``kind`` with their parts, by id (ids of another kind are left out)."""
    if not ids:
        return {}
    subs = await Submission.objects().where(Submission.id.is_in(ids) & (Submission.kind == kind.value))
    pk: Any = part._meta.primary_key  # every part's key (``id``) is the submission's id
    rows: list[Any] = await part.objects().where(pk.is_in(ids))
    parts = {row.id: row for row in rows}
    return {s.id: Kept(s, parts[s.id]) for s in subs if s.id in parts}


async def kept_one(kind: Kind, part: type[Part], submission_id: int) -> Kept[Part] | None:
    """One submission of ``kind`` with its part (None when there is none of that kind)."""
    return (await kept(kind, part, [submission_id])).get(submission_id)


def now() -> datetime:
    return datetime.now(UTC)


def values_of(value: Any) -> dict[str, str]:
    """Stored field values (JSON text or a mapping) as text by field key."""
    loaded = json.loads(value) if isinstance(value, str) else dict(value or {})
    return {str(k): "" if v is None else str(v) for k, v in loaded.items()}


async def get(kind: Kind, submission_id: int) -> Submission | None:
    """The submission ``submission_id`` if it is of ``kind``."""
    return (
        await Submission.objects()
        .where((Submission.id == submission_id) & (Submission.kind == kind.value))
        .first()
    )


async def start(
    kind: Kind, subject: dict[str, Any], principal: Principal | None = None, **columns: Any
) -> Submission:
    """A new submission of ``kind`` for ``subject`` (the columns ``registry.subjects.submission_subject``
    gives: subject kind, id and label, the applicant's scope, who creates it) in the kind's initial
    state (unless ``columns`` says otherwise), its creation written to the history."""
    row = Submission(kind=kind.value, **{"status": str(INITIAL[kind][0]), **subject, **columns})
    if principal is not None:
        row.updated_by = principal.user_id
    await row.save()
    await write_changes(principal, row.id, [("status", "", str(row.status))])
    return row


async def write_changes(
    principal: Principal | None, submission_id: int, changes: list[tuple[str, str, str]]
) -> None:
    """One history row per (field key, old value, new value)."""
    if not changes:
        return
    await SubmissionChange.insert(
        *[
            SubmissionChange(
                submission=submission_id,
                user_id=principal.user_id if principal else None,
                user_email=principal.label if principal else "",
                field_key=key,
                old_value=old,
                new_value=new,
            )
            for key, old, new in changes
        ]
    )


async def record_move(principal: Principal | None, row: Submission, target: str) -> None:
    """The history row of a state change of ``row`` (as read, before the move) to ``target``; nothing
    when the state stayed."""
    if str(row.status) != str(target):
        await write_changes(principal, row.id, [("status", str(row.status), str(target))])


async def save_values(principal: Principal, row: Submission, values: dict[str, str]) -> int:
    """Store the field ``values`` (no validation), one history row per changed field; returns how
    many changed."""
    old = values_of(row.values)
    changes = [(k, old.get(k, ""), v) for k, v in values.items() if old.get(k, "") != v]
    await Submission.update(
        {Submission.values: values, Submission.updated_by: principal.user_id, Submission.updated_at: now()}
    ).where(Submission.id == row.id)
    await write_changes(principal, row.id, changes)
    row.values = values
    return len(changes)


async def changes_of(submission_id: int, limit: int = 200) -> list[dict]:
    """Who changed what, newest first."""
    c = SubmissionChange
    return (
        await c.select(c.id, c.user_email, c.at, c.field_key, c.old_value, c.new_value)
        .where(c.submission == submission_id)
        .order_by(c.id, ascending=False)
        .limit(limit)
    )
