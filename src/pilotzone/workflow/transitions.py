"""The transition table of every kind of submission, and the one function that changes a state.

A row says: a submission of ``kind`` in ``source`` becomes ``target`` when ``actor`` performs
``action`` and every guard holds. :func:`check` finds the row (or raises :class:`Refused`, saying why);
:func:`move` checks and writes the new state in one conditional update (the row must still be in
``source``: a second click or a concurrent decision is refused, nothing changes). The domains say
which actors the caller plays (:func:`actors_of`) and which guards hold; they never compare states
themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from piccolo.columns import Column
from piccolo.columns.combination import Where

from pilotzone.auth.principal import Principal
from pilotzone.tenancy.tables import Table
from pilotzone.workflow.states import (
    Action,
    Actor,
    AwardState,
    CertificationState,
    FundingState,
    Guard,
    Kind,
    RegistrationState,
    State,
    TradeReturnState,
)

C, F, R, AW, T = CertificationState, FundingState, RegistrationState, AwardState, TradeReturnState
A, W, G = Action, Actor, Guard


@dataclass(frozen=True)
class Transition:
    kind: Kind
    source: State
    action: Action
    actor: Actor
    target: State
    guards: tuple[Guard, ...] = ()


def _rows(kind: Kind, rows: Iterable[tuple]) -> tuple[Transition, ...]:
    return tuple(Transition(kind, *row) for row in rows)


_OPEN_C = (C.DRAFT, C.SUBMITTED, C.IN_REVIEW, C.INFO_REQUESTED)
_OPEN_F = (F.DRAFT, F.SUBMITTED, F.IN_REVIEW, F.INFO_REQUESTED)

TABLE: tuple[Transition, ...] = (
    *_rows(
        Kind.CERTIFICATION,
        [
            (C.DRAFT, A.SUBMIT, W.APPLICANT, C.IN_REVIEW),
            *((s, A.WITHDRAW, W.APPLICANT, C.WITHDRAWN) for s in _OPEN_C),
            (C.IN_REVIEW, A.APPROVE, W.STAGE, C.IN_REVIEW, (G.NO_CONFLICT, G.MORE_STAGES)),
            (C.IN_REVIEW, A.APPROVE, W.STAGE, C.NOTICE, (G.NO_CONFLICT, G.FINAL_STAGE, G.PASS_MARK)),
            (C.IN_REVIEW, A.REJECT, W.STAGE, C.REJECTED, (G.NO_CONFLICT,)),
            (C.IN_REVIEW, A.REQUEST_INFO, W.STAGE, C.INFO_REQUESTED, (G.NO_CONFLICT,)),
            (C.IN_REVIEW, A.DECLARE_CONFLICT, W.STAGE, C.IN_REVIEW, (G.NO_CONFLICT,)),
            (C.INFO_REQUESTED, A.ANSWER, W.APPLICANT, C.IN_REVIEW),
            (C.NOTICE, A.OBJECT, W.PUBLIC, C.OBJECTED, (G.NOTICE_RUNNING,)),
            (C.OBJECTED, A.OBJECT, W.PUBLIC, C.OBJECTED),
            (C.OBJECTED, A.UPHOLD, W.BUREAU_ADMIN, C.REJECTED),
            (C.OBJECTED, A.DISMISS, W.BUREAU_ADMIN, C.NOTICE, (G.NO_OPEN_OBJECTION,)),
            (C.OBJECTED, A.DISMISS, W.BUREAU_ADMIN, C.OBJECTED, (G.OPEN_OBJECTION_LEFT,)),
            (C.NOTICE, A.CERTIFY, W.SYSTEM, C.CERTIFIED, (G.NOTICE_ENDED, G.NO_OPEN_OBJECTION)),
        ],
    ),
    *_rows(
        Kind.FUNDING,
        [
            (F.DRAFT, A.SUBMIT, W.APPLICANT, F.IN_REVIEW, (G.ROUND_OPEN, G.NOT_NEGATIVE_LISTED)),
            *((s, A.WITHDRAW, W.APPLICANT, F.WITHDRAWN) for s in _OPEN_F),
            (F.IN_REVIEW, A.VERIFY, W.STAGE, F.IN_REVIEW),
            (F.IN_REVIEW, A.APPROVE, W.STAGE, F.IN_REVIEW, (G.MORE_STAGES,)),
            (F.IN_REVIEW, A.APPROVE, W.STAGE, F.VERIFIED, (G.FINAL_STAGE,)),
            (F.IN_REVIEW, A.REJECT, W.STAGE, F.REJECTED),
            (F.IN_REVIEW, A.REQUEST_INFO, W.STAGE, F.INFO_REQUESTED),
            (F.INFO_REQUESTED, A.ANSWER, W.APPLICANT, F.IN_REVIEW),
        ],
    ),
    *_rows(
        Kind.REGISTRATION,
        [
            (R.PENDING, A.ACCEPT, W.BUREAU_ADMIN, R.ACTIVE),
            (R.PENDING, A.REJECT, W.BUREAU_ADMIN, R.REJECTED),
        ],
    ),
    *_rows(
        Kind.AWARD,
        [
            (AW.NOTICE, A.OBJECT, W.PUBLIC, AW.OBJECTED, (G.NOTICE_RUNNING,)),
            (AW.OBJECTED, A.OBJECT, W.PUBLIC, AW.OBJECTED),
            (AW.OBJECTED, A.UPHOLD, W.BUREAU_ADMIN, AW.REVOKED),
            (AW.OBJECTED, A.DISMISS, W.BUREAU_ADMIN, AW.NOTICE, (G.NO_OPEN_OBJECTION,)),
            (AW.OBJECTED, A.DISMISS, W.BUREAU_ADMIN, AW.OBJECTED, (G.OPEN_OBJECTION_LEFT,)),
        ],
    ),
    *_rows(
        Kind.TRADE_RETURN,  # the stage reviewer: a bureau administrator or reviewer (trade.returns)
        [
            (T.DRAFT, A.SUBMIT, W.APPLICANT, T.SUBMITTED),
            (T.SUBMITTED, A.ACCEPT, W.STAGE, T.ACCEPTED),
            (T.SUBMITTED, A.RETURN, W.STAGE, T.RETURNED),
            (T.RETURNED, A.SUBMIT, W.APPLICANT, T.SUBMITTED),
        ],
    ),
)

# the state a submission starts in, and who creates it
INITIAL: dict[Kind, tuple[State, Action, Actor]] = {
    Kind.CERTIFICATION: (C.DRAFT, A.CREATE, W.APPLICANT),
    Kind.FUNDING: (F.DRAFT, A.CREATE, W.APPLICANT),
    Kind.REGISTRATION: (R.PENDING, A.REGISTER, W.PUBLIC),
    Kind.AWARD: (AW.NOTICE, A.APPROVE, W.BUREAU_ADMIN),  # the round's approval (four eyes, see funding)
    Kind.TRADE_RETURN: (T.DRAFT, A.CREATE, W.APPLICANT),
}
_INDEX: dict[tuple[Kind, str, Action], tuple[Transition, ...]] = {}
for _row in TABLE:
    _key = (_row.kind, str(_row.source), _row.action)
    _INDEX[_key] = (*_INDEX.get(_key, ()), _row)


class Refused(Exception):
    """A transition the table does not allow. ``why``: ``state`` (no such action in this state: 409),
    ``actor`` (the caller plays no actor that may: 403), ``guard`` (``guard`` does not hold: 409) or
    ``moved`` (the row left ``state`` in the meantime: 409)."""

    def __init__(self, kind: Kind, state: str, action: Action, why: str, guard: Guard | None = None) -> None:
        super().__init__(f"{kind}: {action} refused in {state} ({why}{f': {guard}' if guard else ''})")
        self.kind, self.state, self.action, self.why, self.guard = kind, state, action, why, guard
        self.status = 403 if why == "actor" else 409


def allowed(kind: Kind, state: str, action: Action) -> tuple[Transition, ...]:
    """The rows of ``action`` from ``state`` (whoever acts)."""
    return _INDEX.get((kind, str(state), action), ())


def may(kind: Kind, state: str, action: Action, actors: Iterable[Actor]) -> bool:
    """Whether one of ``actors`` may perform ``action`` in ``state`` (guards aside): for pages."""
    mine = set(actors)
    return any(row.actor in mine for row in allowed(kind, state, action))


def check(
    kind: Kind, state: str, action: Action, actors: Iterable[Actor], holds: Iterable[Guard] = ()
) -> Transition:
    """The row that applies, or :class:`Refused`. Of several rows the first whose guards all hold;
    when none, the refusal names the first missing guard of the row missing fewest (the later row of
    equals: the rows of one action go from the plain case to the guarded one)."""
    rows = allowed(kind, state, action)
    if not rows:
        raise Refused(kind, state, action, "state")
    mine = set(actors)
    rows = tuple(row for row in rows if row.actor in mine)
    if not rows:
        raise Refused(kind, state, action, "actor")
    held = set(holds)
    missing = [[g for g in row.guards if g not in held] for row in rows]
    for row, lacks in zip(rows, missing, strict=True):
        if not lacks:
            return row
    fewest = min(range(len(rows)), key=lambda i: (len(missing[i]), -i))
    raise Refused(kind, state, action, "guard", missing[fewest][0])


def actors_of(
    principal: Principal | None, *, covers: bool, applicants: Iterable[str] = (), stage_role: str = ""
) -> frozenset[Actor]:
    """The actors ``principal`` plays for a submission whose scope it ``covers`` (None: the system)."""
    if principal is None:
        return frozenset({Actor.SYSTEM, Actor.PUBLIC})
    found = {Actor.PUBLIC}
    role = principal.role
    if not principal.province and covers:
        if role in set(applicants):
            found.add(Actor.APPLICANT)
        if stage_role and role == stage_role:
            found.add(Actor.STAGE)
    if not principal.province and role == "bureau_admin":
        found.add(Actor.BUREAU_ADMIN)
    return frozenset(found)


def now() -> datetime:
    return datetime.now(UTC)


async def move(
    kind: Kind,
    table: type[Table],
    row_id: int,
    state: str,
    action: Action,
    actors: Iterable[Actor],
    holds: Iterable[Guard] = (),
    *,
    changes: dict[Column, Any] | None = None,
    where: Where | None = None,
    skip_locked: bool = False,
) -> Transition:
    """Check the transition and write it: ``table.status`` becomes the target (``moved_at``, when the
    table has it, is set when the state changes), with ``changes``, on the row ``row_id`` only while
    it is still in ``state`` (and matches ``where``); a transition that keeps the state and changes
    nothing writes nothing. ``skip_locked``: a row locked by another
    transaction counts as moved. Raises :class:`Refused`; nothing is written then."""
    transition = check(kind, state, action, actors, holds)
    if transition.target == transition.source and not changes:
        return transition  # nothing changes: checked, nothing written
    status: Column = table.status  # type: ignore[attr-defined]  # every workflow table has it
    condition = (table.id == row_id) & (status == str(state))
    if where is not None:
        condition = condition & where
    if skip_locked:
        locked = await table.select(table.id).where(condition).lock_rows("NO KEY UPDATE", skip_locked=True)
        if not locked:
            raise Refused(kind, state, action, "moved")
    values: dict[Column | str, Any] = {status: str(transition.target)}
    for name in ("moved_at", "updated_at"):  # the tables that keep them: when the state last changed
        column = getattr(table, name, None)
        if isinstance(column, Column) and (name == "updated_at" or transition.target != transition.source):
            values[column] = now()
    for column, value in (changes or {}).items():
        values[column] = value
    done = await table.update(values).where(condition).returning(table.id)
    if not done:
        raise Refused(kind, state, action, "moved")
    return transition


async def move_row(
    kind: Kind,
    row: Table,
    action: Action,
    actors: Iterable[Actor],
    holds: Iterable[Guard] = (),
    *,
    changes: dict[Column, Any] | None = None,
    where: Where | None = None,
    skip_locked: bool = False,
) -> Transition:
    """:func:`move` for a row as read: the table, id and state are the row's."""
    state: str = row.status  # type: ignore[attr-defined]  # every workflow table has it
    return await move(
        kind, type(row), row.id, state, action, actors, holds, changes=changes, where=where, skip_locked=skip_locked
    )
