"""Fixtures shared by the registry tests."""

from __future__ import annotations

import asyncpg
import pytest
from tests.support import demo


@pytest.fixture(scope="session")
async def scoped_enterprises(owner: asyncpg.Connection, tenants: dict) -> tuple[int, int]:
    """Two demo enterprises of guangzhou: the enterprise user's own, and one outside the narrow demo
    roles' scope (another park and another district than the enterprise, park and district users')."""
    mine = await owner.fetchval(
        'SELECT m.enterprise FROM membership m JOIN pz_user u ON u.id = m."user" WHERE u.email = $1',
        demo("enterprise", "guangzhou"),
    )
    first = await owner.fetchrow("SELECT park, district_code FROM enterprise WHERE id = $1", mine)
    other = await owner.fetchval(
        "SELECT id FROM enterprise WHERE tenant_id = $1 AND park <> $2 AND district_code <> $3 ORDER BY id LIMIT 1",
        tenants["guangzhou"],
        first["park"],
        first["district_code"],
    )
    assert other is not None
    return mine, other
