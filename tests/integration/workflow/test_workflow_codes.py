"""The database refuses a state or decision the workflow's enums do not know (CHECKs generated
from them), and holds every value they do know."""

from __future__ import annotations

import re

import asyncpg
import pytest

from pilotzone.codes import Coded
from pilotzone.workflow.states import AwardState, CertificationState, Decision, FundingState, ObjectionState

CHECKED: list[tuple[str, str, type[Coded]]] = [
    ("application", "status", CertificationState),
    ("funding_application", "status", FundingState),
    ("ledger_entry", "status", AwardState),
    ("review", "decision", Decision),
    ("funding_review", "decision", Decision),
    ("objection", "status", ObjectionState),
    ("award_objection", "status", ObjectionState),
]


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


async def test_an_unknown_state_is_refused(owner: asyncpg.Connection) -> None:
    insert = (
        "INSERT INTO application (tenant_id, scheme, scheme_version, subject_kind, subject_id, status) "
        "SELECT tenant_id, id, version, subject, 0, $1 FROM scheme ORDER BY id LIMIT 1 RETURNING id"
    )
    tx = owner.transaction()
    await tx.start()
    try:
        assert await owner.fetchval(insert, CertificationState.DRAFT) is not None  # a known state is held
        with pytest.raises(asyncpg.CheckViolationError):
            await owner.fetchval(insert, "bogus")
    finally:
        await tx.rollback()
