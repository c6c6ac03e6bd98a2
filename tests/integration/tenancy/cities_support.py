"""Helpers of the city tests: remove a city a test added (every row that names it), read a link."""

from __future__ import annotations

import re

import asyncpg

LINK = re.compile(r"http://testserver\.local(/z/[\w-]+/invite/[\w-]+)")


async def remove_city(owner: asyncpg.Connection, slug: str) -> None:
    """Delete a tenant added by a test and what it made (its audit rows stay: the log is append-only)."""
    tenant_id = await owner.fetchval("SELECT id FROM tenant WHERE slug = $1", slug)
    if tenant_id is None:
        return
    users = [
        r["user"] for r in await owner.fetch('SELECT "user" FROM membership WHERE tenant_id = $1', tenant_id)
    ]
    emails = [r["email"] for r in await owner.fetch("SELECT email FROM one_time_token WHERE tenant = $1", tenant_id)]
    tables = [
        r["table_name"]
        for r in await owner.fetch(
            "SELECT table_name FROM information_schema.columns WHERE column_name = 'tenant_id' "
            "AND table_schema = 'public' AND table_name NOT IN ('audit_log', 'tenant')"
        )
    ]
    for _ in range(len(tables)):  # foreign keys between them: retry until all are gone
        left = []
        for table in tables:
            try:
                await owner.execute(f'DELETE FROM "{table}" WHERE tenant_id = $1', tenant_id)  # noqa: S608 - names from the catalogue
            except asyncpg.ForeignKeyViolationError:
                left.append(table)
        if not left:
            break
        tables = left
    await owner.execute("DELETE FROM one_time_token WHERE tenant = $1", tenant_id)
    others = await owner.fetch(
        "SELECT id FROM pz_user WHERE (id = ANY($1::int[]) OR email = ANY($2::text[])) "
        "AND NOT EXISTS (SELECT 1 FROM membership m WHERE m.\"user\" = pz_user.id)",
        users,
        emails,
    )
    ids = [r["id"] for r in others]
    await owner.execute('DELETE FROM pz_session WHERE "user" = ANY($1::int[])', ids)
    await owner.execute('DELETE FROM user_identity WHERE "user" = ANY($1::int[])', ids)
    await owner.execute('DELETE FROM one_time_token WHERE "user" = ANY($1::int[])', ids)
    await owner.execute("DELETE FROM pz_user WHERE id = ANY($1::int[])", ids)
    await owner.execute("DELETE FROM tenant WHERE id = $1", tenant_id)
