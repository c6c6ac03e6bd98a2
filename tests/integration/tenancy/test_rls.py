"""The tenancy contract against real PostgreSQL, as the application role."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from pilotzone.tenancy.tables import tenant_tables

SET = "SELECT set_config('app.tenant_id', $1, true), set_config('app.scope', $2, true)"


async def test_app_role_is_not_privileged(owner: asyncpg.Connection, app_dsn: str) -> None:
    conn = await asyncpg.connect(app_dsn)
    try:
        role = await conn.fetchrow(
            "SELECT rolname, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, rolinherit FROM pg_roles WHERE rolname = current_user"
        )
    finally:
        await conn.close()
    assert role["rolname"] == "pilotzone_app"
    assert not role["rolsuper"] and not role["rolbypassrls"]
    assert not role["rolcreaterole"] and not role["rolcreatedb"] and not role["rolinherit"]
    owned = await owner.fetchval(
        "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = 'pilotzone_app'"
    )
    assert owned == 0


async def test_every_table_with_tenant_id_is_a_forced_rls_tenant_table(owner: asyncpg.Connection) -> None:
    with_tenant_id = {
        r["table_name"]
        for r in await owner.fetch(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'tenant_id'"
        )
    }
    declared = {t._meta.tablename for t in tenant_tables()}
    # audit_log is the one exception: its tenant may be NULL (the provincial chain); it has its own
    # policies, checked in the audit tests
    assert with_tenant_id == declared | {"audit_log"}
    rows = await owner.fetch(
        "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = ANY($1::text[])",
        sorted(declared),
    )
    assert {r["relname"] for r in rows if r["relrowsecurity"] and r["relforcerowsecurity"]} == declared
    policies = await owner.fetch(
        "SELECT tablename, policyname, cmd, qual, with_check FROM pg_policies WHERE tablename = ANY($1::text[])",
        sorted(declared),
    )
    for name in declared:
        mine = {p["policyname"]: p for p in policies if p["tablename"] == name}
        extra = (
            {"pz_own_memberships"} if name == "membership" else set()
        )  # a user reads their own memberships
        assert set(mine) == {"pz_tenant_isolation", "pz_province_read"} | extra
        assert "app.tenant_id" in mine["pz_tenant_isolation"]["qual"]
        assert "app.tenant_id" in mine["pz_tenant_isolation"]["with_check"]
        assert mine["pz_province_read"]["cmd"] == "SELECT"


async def test_no_tenant_set_sees_nothing_and_cannot_insert(
    app_dsn: str, owner: asyncpg.Connection, tenants: dict
) -> None:
    parks_total = await owner.fetchval("SELECT count(*) FROM park")
    assert parks_total > 0
    conn = await asyncpg.connect(app_dsn)
    try:
        for table in tenant_tables():
            name = table._meta.tablename
            assert await conn.fetchval(f'SELECT count(*) FROM "{name}"') == 0, name  # noqa: S608
        async with conn.transaction():  # also inside a transaction that set nothing
            assert await conn.fetchval("SELECT count(*) FROM park") == 0
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
            await conn.execute(
                "INSERT INTO park (tenant_id, key, name_zh, kind) VALUES ($1, 'intruder', '入侵', 'industrial_park')",
                tenants["guangzhou"],
            )
        assert await conn.fetchval("UPDATE park SET name_zh = 'x' RETURNING 1") is None
        assert await conn.execute("DELETE FROM park") == "DELETE 0"
    finally:
        await conn.close()
    assert await owner.fetchval("SELECT count(*) FROM park") == parks_total


async def test_tenant_sees_and_writes_only_its_rows(
    app_dsn: str, owner: asyncpg.Connection, tenants: dict
) -> None:
    gz, fs = tenants["guangzhou"], tenants["foshan"]
    conn = await asyncpg.connect(app_dsn)
    try:
        async with conn.transaction():
            await conn.execute(SET, str(gz), "tenant")
            seen = {r["tenant_id"] for r in await conn.fetch("SELECT tenant_id FROM park")}
            assert seen == {gz}
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(
                    "INSERT INTO park (tenant_id, key, name_zh, kind) VALUES ($1, 'x', 'x', 'industrial_park')",
                    fs,
                )
        async with conn.transaction():
            await conn.execute(SET, str(gz), "tenant")
            moved = await conn.execute("UPDATE park SET tenant_id = $1 WHERE tenant_id = $2", fs, gz)
            assert moved == "UPDATE 0" or pytest.fail("rows moved to another tenant")
    except asyncpg.InsufficientPrivilegeError:
        pass  # WITH CHECK refused moving the rows: equally correct
    finally:
        await conn.close()
    assert await owner.fetchval("SELECT count(*) FROM park WHERE tenant_id = $1", gz) > 0


async def test_province_scope_reads_all_and_writes_nothing(
    app_dsn: str, owner: asyncpg.Connection, tenants: dict
) -> None:
    total = await owner.fetchval("SELECT count(*) FROM park")
    conn = await asyncpg.connect(app_dsn)
    try:
        async with conn.transaction():  # the setting alone is not enough: the role holds the policy
            await conn.execute(SET, "", "province")
            assert await conn.fetchval("SELECT count(*) FROM park") == 0
        async with conn.transaction():  # the role alone is not enough either
            await conn.execute("SELECT set_config('role', 'pilotzone_province', true)")
            assert await conn.fetchval("SELECT count(*) FROM park") == 0
        async with conn.transaction():
            await conn.execute(SET, "", "province")
            await conn.execute("SELECT set_config('role', 'pilotzone_province', true)")
            assert await conn.fetchval("SELECT count(*) FROM park") == total
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
                await conn.execute("UPDATE park SET name_zh = name_zh")
        async with conn.transaction():
            await conn.execute(SET, "", "province")
            await conn.execute("SELECT set_config('role', 'pilotzone_province', true)")
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(
                    "INSERT INTO park (tenant_id, key, name_zh, kind) VALUES ($1, 'p', 'p', 'industrial_park')",
                    tenants["shantou"],
                )
        assert (
            await conn.fetchval("SELECT current_user") == "pilotzone_app"
        )  # SET LOCAL ended with the transaction
    finally:
        await conn.close()


async def test_province_request_transaction_reads_every_tenant(owner: asyncpg.Connection) -> None:
    from pilotzone import db
    from pilotzone.registry.tables import Park
    from pilotzone.tenancy.context import TenantContext, tenant_transaction

    total = await owner.fetchval("SELECT count(*) FROM park")
    async with tenant_transaction(TenantContext(None, None, "province")):
        assert await Park.count() == total
        assert (await db.fetch("SELECT current_user AS u"))[0]["u"] == "pilotzone_province"
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await Park.update({Park.name_zh: "x"}).where(Park.id > 0)
    await db.DB.close_connection_pool()


async def test_pooled_connections_do_not_leak_the_tenant(tenants: dict) -> None:
    """200 concurrent tenant transactions over a pool of 3, some failing; no transaction sees
    another tenant, and the pool's connections carry no setting afterwards."""
    from pilotzone import db
    from pilotzone.registry.tables import Park
    from pilotzone.tenancy.context import TenantContext, tenant_transaction

    ids = [tenants["guangzhou"], tenants["shantou"], tenants["foshan"]]
    await db.DB.close_connection_pool()
    await db.DB.start_connection_pool(min_size=3, max_size=3)
    errors: list[str] = []

    async def one(i: int) -> None:
        tenant_id = ids[i % 3]
        if i % 10 == 3:  # a province read switches role for its transaction only
            async with tenant_transaction(TenantContext(None, None, "province", read_only=True)):
                if (await db.fetch("SELECT current_user AS u"))[0]["u"] == (
                    await db.fetch("SELECT session_user AS u")
                )[0]["u"]:
                    errors.append(f"{i}: province transaction kept the login role")
            return
        try:
            async with tenant_transaction(TenantContext(tenant_id, f"t{tenant_id}")):
                setting = (await db.fetch("SELECT current_setting('app.tenant_id', true) AS v"))[0]["v"]
                await asyncio.sleep(0)
                owners = {r["tenant_id"] for r in await Park.select(Park.tenant)}
                if setting != str(tenant_id) or owners - {tenant_id}:
                    errors.append(f"{i}: setting={setting} owners={owners}")
                if i % 7 == 0:
                    raise RuntimeError("boom")
        except RuntimeError:
            pass

    try:
        await asyncio.gather(*(one(i) for i in range(200)))
        pool = db.DB.pool
        assert pool is not None
        conns = [await pool.acquire() for _ in range(3)]
        try:
            leftovers = [await c.fetchval("SELECT current_setting('app.tenant_id', true)") for c in conns]
            visible = [await c.fetchval("SELECT count(*) FROM park") for c in conns]
            roles = [await c.fetchval("SELECT current_user = session_user") for c in conns]
        finally:
            for c in conns:
                await pool.release(c)
    finally:
        await db.DB.close_connection_pool()
    assert errors == []
    assert all(value in (None, "") for value in leftovers)
    assert visible == [0, 0, 0]
    assert roles == [True, True, True]  # no SET LOCAL ROLE outlives its transaction
