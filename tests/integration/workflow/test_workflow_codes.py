"""The database refuses a state or decision the workflow's enums do not know (CHECKs generated
from them), and holds every value they do know; a submission's state is one of its own kind's."""

from __future__ import annotations

import re

import asyncpg
import pytest

from pilotzone.codes import Coded
from pilotzone.workflow.states import STATES, AwardState, Decision, Kind, ObjectionState

CHECKED: list[tuple[str, str, type[Coded]]] = [
    ("ledger_entry", "status", AwardState),
    ("review_step", "decision", Decision),
    ("objection", "status", ObjectionState),
]
SUBMISSION_KINDS = (Kind.CERTIFICATION, Kind.FUNDING, Kind.REGISTRATION)


@pytest.mark.parametrize(("table", "column", "codes"), CHECKED)
async def test_the_check_follows_the_enum(
    owner: asyncpg.Connection, table: str, column: str, codes: type[Coded]
) -> None:
    definition = await owner.fetchval(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = $1::regclass AND conname = $2",
        table,
        f"{table}_{column}_code",
    )
    assert definition is not None
    assert sorted(re.findall(r"'([^']*)'", definition)) == sorted(codes.values())
    others = await owner.fetchval(
        "SELECT count(*) FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'c' "
        "AND conname <> $2 AND pg_get_constraintdef(oid) LIKE $3",
        table,
        f"{table}_{column}_code",
        f"%({column})::text%",
    )
    assert others == 0  # the hand-written CHECKs it replaces are gone


_INSERT = (
    "INSERT INTO submission (tenant_id, kind, subject_kind, subject_id, status) "
    "SELECT id, $1, 'park', 0, $2 FROM tenant ORDER BY id LIMIT 1 RETURNING id"
)


async def _refused(owner: asyncpg.Connection, kind: str, status: str) -> bool:
    try:
        async with owner.transaction():  # a savepoint
            await owner.fetchval(_INSERT, kind, status)
    except asyncpg.CheckViolationError:
        return True
    return False


@pytest.mark.parametrize("kind", SUBMISSION_KINDS)
async def test_a_submission_holds_the_states_of_its_kind_only(owner: asyncpg.Connection, kind: Kind) -> None:
    tx = owner.transaction()
    await tx.start()
    try:
        for state in STATES[kind].values():
            assert await owner.fetchval(_INSERT, kind.value, state) is not None, state
        others = {v for k in SUBMISSION_KINDS for v in STATES[k].values()} - set(STATES[kind].values())
        for state in sorted(others) + ["bogus"]:
            assert await _refused(owner, kind.value, state), state
        assert await _refused(owner, Kind.AWARD.value, "notice")  # an award is no submission
    finally:
        await tx.rollback()


async def test_an_unknown_state_is_refused(owner: asyncpg.Connection) -> None:
    tx = owner.transaction()
    await tx.start()
    try:
        assert await owner.fetchval(_INSERT, Kind.CERTIFICATION.value, "draft") is not None  # a known state
        with pytest.raises(asyncpg.CheckViolationError):
            await owner.fetchval(_INSERT, Kind.CERTIFICATION.value, "bogus")
    finally:
        await tx.rollback()
