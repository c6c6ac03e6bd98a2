"""The audit trail: rows written by the app, hash chains verified, append-only for the app role,
and the pages that show it (a bureau its own trail, the province every trail)."""

from __future__ import annotations

import asyncio
import os
import re
import sys
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from tests.support import demo

from pilotzone.auth import audit
from pilotzone.tenancy.context import TenantContext, tenant_transaction

ROW_ID = re.compile(r'<tr id="audit-(\d+)">')


def marker(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def add_row(tenants: dict, slug: str, action: str, actor: str, object_type: str = "probe") -> int:
    """One audit row in ``slug``'s chain, written like the app writes it (its own transaction)."""
    async with tenant_transaction(TenantContext(tenants[slug], slug)):
        return await audit.record(
            action, object_type, "1", after={"by": "pytest"}, actor=actor, note="pytest"
        )


def ids_on(html: str) -> list[int]:
    return [int(i) for i in ROW_ID.findall(html)]


async def run_cli(*args: str) -> tuple[int, str]:
    """``pilotzone audit verify`` in its own process, with this test session's environment."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "pilotzone.cli",
        "audit",
        "verify",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=dict(os.environ),
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    return process.returncode or 0, out.decode()


# -- writing and verifying ------------------------------------------------------------------------


async def test_sign_in_writes_a_login_row_with_request_id_and_ip(as_user, owner: asyncpg.Connection) -> None:
    email = demo("reviewer", "foshan")
    before = await owner.fetchval("SELECT coalesce(max(id), 0) FROM audit_log")
    async with as_user(email):
        pass
    rows = await owner.fetch(
        "SELECT * FROM audit_log WHERE id > $1 AND action = 'login' AND actor = $2", before, email
    )
    assert len(rows) == 1
    row = rows[0]
    user_id = await owner.fetchval("SELECT id FROM pz_user WHERE email = $1", email)
    assert row["actor_id"] == user_id and row["object_type"] == "user" and row["object_id"] == str(user_id)
    assert re.fullmatch(r"[0-9a-f]{16}", row["request_id"])
    assert row["ip"]  # the test client's address
    assert row["tenant_id"] is None  # /login is outside any tenant: the provincial chain
    assert re.fullmatch(r"[0-9a-f]{64}", row["hash"])


async def test_every_chain_verifies_and_the_cli_says_so(owner: asyncpg.Connection, tenants: dict) -> None:
    await add_row(tenants, "guangzhou", "test.verify", marker("verify"))
    await add_row(tenants, "foshan", "test.verify", marker("verify"))
    result = await audit.verify(conn=owner)
    assert result.intact, result.problems
    assert result.rows == await owner.fetchval("SELECT count(*) FROM audit_log")
    chains = {h.chain for h in result.heads}
    assert {"province", "guangzhou", "foshan"} <= chains and result.chains == len(chains)

    code, out = await run_cli()
    assert code == 0, out
    assert "audit trail intact" in out
    code, out = await run_cli("--tenant", "no-such-city")
    assert code == 2, out


async def test_a_changed_row_makes_the_cli_fail_naming_the_row(
    owner: asyncpg.Connection, tenants: dict
) -> None:
    row_id = await add_row(tenants, "guangzhou", "test.tamper", marker("tamper"))
    await add_row(tenants, "guangzhou", "test.tamper", marker("after-tamper"))  # a row after it
    original = await owner.fetchval("SELECT note FROM audit_log WHERE id = $1", row_id)
    await owner.execute("UPDATE audit_log SET note = 'nothing happened here' WHERE id = $1", row_id)
    try:
        code, out = await run_cli()
        assert code == 1, out
        assert f"guangzhou row {row_id}: hash_mismatch" in out
        problem_lines = [ln for ln in out.splitlines() if re.match(r"\S+ row \d+: ", ln)]
        assert len(problem_lines) == 1, (
            out
        )  # only the changed row; the next row still links to its stored hash
        code, out = await run_cli("--tenant", "foshan")  # other chains are unaffected
        assert code == 0, out
    finally:
        await owner.execute("UPDATE audit_log SET note = $2 WHERE id = $1", row_id, original)
    assert (await audit.verify("guangzhou", conn=owner)).intact


async def test_a_deleted_row_is_found_but_a_deleted_last_row_only_against_a_kept_head(
    owner: asyncpg.Connection, tenants: dict
) -> None:
    first = await add_row(tenants, "foshan", "test.delete", marker("delete"))
    middle = await add_row(tenants, "foshan", "test.delete", marker("delete"))
    last = await add_row(tenants, "foshan", "test.delete", marker("delete"))
    kept_head = next(h for h in (await audit.verify("foshan", conn=owner)).heads if h.chain == "foshan")
    assert kept_head.last_id == last

    tx = owner.transaction()
    await tx.start()
    try:
        await owner.execute("DELETE FROM audit_log WHERE id = $1", middle)
        result = await audit.verify("foshan", conn=owner)
    finally:
        await tx.rollback()
    assert [(p.row_id, p.kind) for p in result.problems] == [(last, audit.LINK_MISMATCH)]

    tx = owner.transaction()
    await tx.start()
    try:
        await owner.execute("DELETE FROM audit_log WHERE id = $1", last)
        result = await audit.verify("foshan", conn=owner)
    finally:
        await tx.rollback()
    assert result.intact  # the documented limit: a shorter chain is still a valid chain ...
    head = next(h for h in result.heads if h.chain == "foshan")
    assert (head.last_id, head.last_hash) != (
        kept_head.last_id,
        kept_head.last_hash,
    )  # ... unless a head was kept
    assert head.last_id == middle and first < middle


async def test_the_app_role_may_not_update_or_delete_audit_rows(
    app_dsn: str, owner: asyncpg.Connection, tenants: dict
) -> None:
    row_id = await add_row(tenants, "guangzhou", "test.append-only", marker("append-only"))
    conn = await asyncpg.connect(app_dsn)
    try:
        for sql in (
            "UPDATE audit_log SET note = 'rewritten' WHERE id = $1",
            "DELETE FROM audit_log WHERE id = $1",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
                async with conn.transaction():
                    await conn.execute(
                        "SELECT set_config('app.tenant_id', $1, true)", str(tenants["guangzhou"])
                    )
                    await conn.execute(sql, row_id)
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
            await conn.execute("TRUNCATE audit_log")
    finally:
        await conn.close()
    assert await owner.fetchval("SELECT note FROM audit_log WHERE id = $1", row_id) == "pytest"


async def test_concurrent_appends_in_one_tenant_keep_one_chain(
    owner: asyncpg.Connection, tenants: dict
) -> None:
    actor = marker("concurrent")
    ids = await asyncio.gather(*(add_row(tenants, "guangzhou", "test.concurrent", actor) for _ in range(20)))
    assert len(set(ids)) == 20
    result = await audit.verify("guangzhou", conn=owner)
    assert result.intact, result.problems
    forks = await owner.fetchval(
        "SELECT count(*) FROM (SELECT prev_hash FROM audit_log WHERE tenant_id = $1 GROUP BY prev_hash "
        "HAVING count(*) > 1) f",
        tenants["guangzhou"],
    )
    assert forks == 0


# -- the pages ------------------------------------------------------------------------------------


async def test_bureau_admin_sees_own_tenant_rows_and_none_of_another(
    admin_gz, owner: asyncpg.Connection, tenants: dict
) -> None:
    mine = marker("gz-row")
    theirs = marker("fs-row")
    await add_row(tenants, "guangzhou", "test.page", mine)
    await add_row(tenants, "foshan", "test.page", theirs)  # newer: a leak would be at the top of page 1

    response = await admin_gz.get("/z/guangzhou/admin/audit")
    assert response.status_code == 200
    assert mine in response.text and theirs not in response.text
    shown = ids_on(response.text)
    assert shown == sorted(shown, reverse=True)  # newest first
    owners = await owner.fetch("SELECT DISTINCT tenant_id FROM audit_log WHERE id = ANY($1::bigint[])", shown)
    assert [r["tenant_id"] for r in owners] == [tenants["guangzhou"]]

    home = await admin_gz.get("/z/guangzhou/")
    assert 'href="/z/guangzhou/admin/audit"' in home.text


async def test_another_tenants_admin_is_refused(admin_fs, tenants: dict) -> None:
    mine = marker("gz-secret")
    await add_row(tenants, "guangzhou", "test.page", mine)
    response = await admin_fs.get("/z/guangzhou/admin/audit")
    assert response.status_code in (403, 404)
    assert mine not in response.text


async def test_filters_narrow_the_rows(admin_gz, owner: asyncpg.Connection, tenants: dict) -> None:
    tag = uuid.uuid4().hex[:8]
    alice = await add_row(
        tenants, "guangzhou", "test.filter-a", f"alice-{tag}@example.cn", object_type="thing"
    )
    bob = await add_row(tenants, "guangzhou", "test.filter-b", f"bob-{tag}@example.cn", object_type="gadget")
    base = "/z/guangzhou/admin/audit"

    async def shown(**params: str) -> set[int]:
        response = await admin_gz.get(base, params=params)
        assert response.status_code == 200, response.text[:300]
        return set(ids_on(response.text))

    assert {alice, bob} <= await shown(actor=tag)
    assert await shown(actor=f"ALICE-{tag}") == {alice}  # contains, case-insensitive
    assert await shown(action="test.filter-b") == {bob}
    assert await shown(action="test.filter-a", actor=tag) == {alice}
    assert await shown(object_type="gadget", actor=tag) == {bob}
    assert (
        await shown(actor="%") == await shown(actor="no-actor-contains-this") == set()
    )  # LIKE text is literal

    at = await owner.fetchval("SELECT at FROM audit_log WHERE id = $1", bob)
    day = at.astimezone(ZoneInfo("Asia/Shanghai")).date()  # the pages' dates are the tenant's (Beijing) dates
    assert await shown(actor=tag, date_from=day.isoformat(), date_to=day.isoformat()) == {alice, bob}
    assert await shown(actor=tag, date_to=(day - timedelta(days=1)).isoformat()) == set()
    assert await shown(actor=tag, date_from=(day + timedelta(days=1)).isoformat()) == set()

    bad = await admin_gz.get(base, params={"actor": tag, "date_from": "2026-13-45"})
    assert bad.status_code == 200 and 'class="field-error"' in bad.text  # said, and the bound ignored
    assert set(ids_on(bad.text)) == {alice, bob}

    full = await admin_gz.get(base, params={"actor": tag})
    assert (
        "<html" in full.text
        and 'data-hx-get="/z/guangzhou/admin/audit"' in full.text
        and 'name="actor"' in full.text
    )
    partial = await admin_gz.get(base, params={"actor": tag}, headers={"HX-Request": "true"})
    assert partial.text.lstrip().startswith('<div id="audit-rows">') and "<html" not in partial.text
    assert set(ids_on(partial.text)) == {alice, bob}


async def test_pages_carry_the_filters(admin_gz, tenants: dict) -> None:
    actor = marker("pager")
    async with tenant_transaction(TenantContext(tenants["guangzhou"], "guangzhou")):
        ids = [await audit.record("test.pager", "probe", i, actor=actor) for i in range(audit.PAGE_SIZE + 5)]
    first = await admin_gz.get("/z/guangzhou/admin/audit", params={"actor": actor})
    assert ids_on(first.text) == sorted(ids, reverse=True)[: audit.PAGE_SIZE]
    link = f'href="/z/guangzhou/admin/audit?page=2&amp;actor={actor}"'
    assert link in first.text
    second = await admin_gz.get("/z/guangzhou/admin/audit", params={"actor": actor, "page": "2"})
    assert ids_on(second.text) == sorted(ids, reverse=True)[audit.PAGE_SIZE :]


async def test_province_admin_sees_every_tenant_and_filters_by_tenant(
    as_user, owner: asyncpg.Connection, tenants: dict
) -> None:
    tag = marker("province-view")
    gz = await add_row(tenants, "guangzhou", "test.province", tag)
    fs = await add_row(tenants, "foshan", "test.province", tag)
    async with as_user(demo("province-admin")) as client:
        response = await client.get("/province/audit")
        assert response.status_code == 200
        everyone = ids_on(response.text)
        seen = {
            r["tenant_id"]
            for r in await owner.fetch(
                "SELECT tenant_id FROM audit_log WHERE id = ANY($1::bigint[])", everyone
            )
        }
        assert {tenants["guangzhou"], tenants["foshan"]} <= seen  # several tenants on one page

        assert set(ids_on((await client.get("/province/audit", params={"actor": tag})).text)) == {gz, fs}
        only_fs = await client.get("/province/audit", params={"actor": tag, "tenant": "foshan"})
        assert set(ids_on(only_fs.text)) == {fs}
        provincial = await client.get("/province/audit", params={"tenant": "_province", "action": "login"})
        shown = ids_on(provincial.text)
        assert shown
        assert await owner.fetchval(
            "SELECT bool_and(tenant_id IS NULL) FROM audit_log WHERE id = ANY($1::bigint[])", shown
        )
        # the province reads every trail here, not through a city's admin page
        assert (await client.get("/z/guangzhou/admin/audit")).status_code == 403


@pytest.mark.parametrize(
    ("email", "path"),
    [
        (demo("reviewer", "guangzhou"), "/z/guangzhou/admin/audit"),
        (demo("park", "guangzhou"), "/z/guangzhou/admin/audit"),
        (demo("admin", "guangzhou"), "/province/audit"),
        (demo("province-viewer"), "/province/audit"),
    ],
)
async def test_other_roles_are_refused(as_user, email: str, path: str) -> None:
    async with as_user(email) as client:
        response = await client.get(path)
        assert response.status_code == 403
        assert 'id="audit-rows"' not in response.text
        if "/z/guangzhou/" in path:
            assert "/admin/audit" not in (await client.get("/z/guangzhou/")).text


async def test_anonymous_visitors_are_sent_to_sign_in(client) -> None:
    response = await client.get("/z/guangzhou/admin/audit", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
