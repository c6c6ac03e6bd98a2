"""The database refuses codes the enums do not know: each CHECK lists exactly the enum's values."""

import re

import asyncpg
import pytest

from pilotzone.auth.roles import PROVINCE_ROLES, TENANT_ROLES
from pilotzone.jobs.codes import JobKind, JobStatus
from pilotzone.registry.codes import ParkKind

CHECKS = {
    ("membership", "membership_role_code"): set(TENANT_ROLES),
    ("pz_user", "pz_user_province_role_code"): set(PROVINCE_ROLES),
    ("job_run", "job_run_kind_code"): set(JobKind),
    ("job_run", "job_run_status_code"): set(JobStatus),
    ("park", "park_kind_code"): set(ParkKind),
}


async def test_check_constraints_list_the_enum_values(owner: asyncpg.Connection) -> None:
    for (table, name), values in CHECKS.items():
        definition = await owner.fetchval(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = $1::regclass AND conname = $2",
            table,
            name,
        )
        assert definition is not None, name
        assert set(re.findall(r"'([a-z_]+)'", definition)) == values, name


async def test_an_unknown_park_kind_is_refused(owner: asyncpg.Connection, tenants: dict[str, int]) -> None:
    with pytest.raises(asyncpg.CheckViolationError, match="park_kind_code"):
        await owner.execute(
            "INSERT INTO park (tenant_id, key, name_zh, kind) VALUES ($1, 'odd-kind', '奇怪', 'theme_park')",
            tenants["shantou"],
        )
