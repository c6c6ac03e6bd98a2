"""Item 16: what an injected query could do as the app role, on a raw connection of that role
(``app_dsn``): no password hash, no other user's session, no other city's one-time link, no write
to another user or tenant, no self-made invitation; the audit log's RLS is FORCEd."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from tests.support import demo


@pytest.fixture
async def app_conn(app_dsn: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(app_dsn)
    yield conn
    await conn.close()


async def _as(conn: asyncpg.Connection, **settings: object) -> None:
    for name, value in settings.items():
        await conn.execute("SELECT set_config($1, $2, true)", f"app.{name}", str(value))


async def _user_id(owner: asyncpg.Connection, email: str) -> int:
    return await owner.fetchval("SELECT id FROM pz_user WHERE email = $1", email)


@pytest.fixture
async def two_sessions(owner: asyncpg.Connection) -> AsyncIterator[tuple[int, int]]:
    a, b = await _user_id(owner, demo("admin", "guangzhou")), await _user_id(owner, demo("admin", "foshan"))
    tag = uuid.uuid4().hex
    for user in (a, b):
        await owner.execute(
            'INSERT INTO pz_session (token_hash, "user", csrf_token, created_at, last_seen_at, expires_at, ip, '
            "user_agent, province) VALUES ($1, $2, 'x', now(), now(), now() + interval '1 hour', '', $3, false)",
            secrets.token_hex(32),
            user,
            f"defence-{tag}",
        )
    yield a, b
    await owner.execute("DELETE FROM pz_session WHERE user_agent = $1", f"defence-{tag}")


async def test_password_hashes_are_not_readable(app_conn: asyncpg.Connection) -> None:
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await app_conn.fetch("SELECT password_hash FROM pz_user")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await app_conn.fetch("SELECT * FROM pz_user")
    assert await app_conn.fetchval("SELECT count(*) FROM pz_user") > 0  # the other columns are


async def test_the_login_lookup_gives_one_hash_per_transaction(app_conn: asyncpg.Connection) -> None:
    async with app_conn.transaction():
        rows = await app_conn.fetch("SELECT * FROM pz_login_lookup($1)", demo("admin", "guangzhou"))
        assert len(rows) == 1 and rows[0]["password_hash"].startswith("$argon2")
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="one password lookup"):
            await app_conn.fetch("SELECT * FROM pz_login_lookup($1)", demo("admin", "foshan"))
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="one password lookup"):
        await app_conn.fetch(
            "SELECT (pz_login_lookup(email)).password_hash FROM pz_user"
        )  # walking the table


async def test_sessions_of_other_users_are_invisible_and_untouchable(
    app_conn: asyncpg.Connection, two_sessions: tuple[int, int]
) -> None:
    a, b = two_sessions
    assert await app_conn.fetchval("SELECT count(*) FROM pz_session") == 0  # no user in context: none
    async with app_conn.transaction():
        await _as(app_conn, user_id=a)
        users = {r["user"] for r in await app_conn.fetch('SELECT "user" FROM pz_session')}
        assert users == {a}
        assert await app_conn.execute('DELETE FROM pz_session WHERE "user" = $1', b) == "DELETE 0"
        assert (
            await app_conn.execute('UPDATE pz_session SET province = true WHERE "user" = $1', b) == "UPDATE 0"
        )
        with pytest.raises(asyncpg.InsufficientPrivilegeError):  # nor planted for another user
            await app_conn.execute(
                'INSERT INTO pz_session (token_hash, "user", csrf_token, created_at, last_seen_at, expires_at, '
                "ip, user_agent, province) VALUES ('planted', $1, 'x', now(), now(), now(), '', '', false)",
                b,
            )


async def test_one_time_links_of_another_city_are_invisible(
    app_conn: asyncpg.Connection, owner: asyncpg.Connection, tenants: dict
) -> None:
    tag = uuid.uuid4().hex[:8]
    for slug in ("guangzhou", "foshan"):
        await owner.execute(
            'INSERT INTO one_time_token (token_hash, kind, email, tenant, "grant", created_at, expires_at) '
            "VALUES ($1, 'invite', $2, $3, '{\"role\": \"bureau_admin\"}', now(), now() + interval '1 day')",
            secrets.token_hex(32),
            f"{slug}-{tag}@example.cn",
            tenants[slug],
        )
    try:
        assert await app_conn.fetchval("SELECT count(*) FROM one_time_token") == 0
        async with app_conn.transaction():
            await _as(app_conn, tenant_id=tenants["guangzhou"])
            emails = {
                r["email"]
                for r in await app_conn.fetch(
                    "SELECT email FROM one_time_token WHERE email LIKE $1", f"%{tag}%"
                )
            }
            assert emails == {f"guangzhou-{tag}@example.cn"}
            with pytest.raises(asyncpg.InsufficientPrivilegeError):  # spent only through pz_spend_link
                await app_conn.execute(
                    "UPDATE one_time_token SET used_at = NULL WHERE email LIKE $1", f"%{tag}%"
                )
    finally:
        await owner.execute("DELETE FROM one_time_token WHERE email LIKE $1", f"%{tag}%")


async def test_links_are_issued_only_by_an_administrator(
    app_conn: asyncpg.Connection, owner: asyncpg.Connection, tenants: dict
) -> None:
    enterprise_user = await _user_id(owner, demo("enterprise", "guangzhou"))
    expires = datetime.now(UTC) + timedelta(days=1)
    for settings, tenant in (
        ({"tenant_id": tenants["guangzhou"]}, tenants["guangzhou"]),  # anonymous, in a tenant page
        ({"tenant_id": tenants["guangzhou"], "user_id": enterprise_user}, tenants["guangzhou"]),
        ({"user_id": enterprise_user}, None),  # a provincial invitation
    ):
        async with app_conn.transaction():
            await _as(app_conn, **settings)
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await app_conn.execute(
                    "SELECT pz_issue_link('h', 'invite', 'x@example.cn', NULL, $1, "
                    '\'{"province_role": "province_admin"}\', NULL, $2)',
                    tenant,
                    expires,
                )
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await app_conn.execute(
            "INSERT INTO one_time_token (token_hash, kind, email, created_at, expires_at) "
            "VALUES ('h', 'invite', 'x@example.cn', now(), now() + interval '1 day')"
        )


async def test_other_users_and_tenants_cannot_be_updated(
    app_conn: asyncpg.Connection, owner: asyncpg.Connection, tenants: dict
) -> None:
    me, other = (
        await _user_id(owner, demo("enterprise", "guangzhou")),
        await _user_id(owner, demo("admin", "foshan")),
    )
    async with app_conn.transaction():
        await _as(app_conn, tenant_id=tenants["guangzhou"], user_id=me)
        assert (
            await app_conn.execute(
                "UPDATE pz_user SET display_name = 'pwned', password_hash = 'x' WHERE id = $1", other
            )
            == "UPDATE 0"
        )
        assert (
            await app_conn.execute("UPDATE pz_user SET display_name = 'pwned' WHERE id <> $1", me)
            == "UPDATE 0"
        )
        assert await app_conn.execute("UPDATE tenant SET name_zh = 'pwned'") == "UPDATE 0"
        for refused in (
            ("SELECT pz_revoke_province_role($1)", other),
            ("INSERT INTO tenant (slug, name_zh, name_en) VALUES ('evil', 'x', 'x')",),
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                async with app_conn.transaction():  # a savepoint: the transaction goes on
                    await app_conn.execute(*refused)
    assert await owner.fetchval("SELECT count(*) FROM pz_user WHERE display_name = 'pwned'") == 0
    assert await owner.fetchval("SELECT count(*) FROM tenant WHERE name_zh = 'pwned'") == 0


async def test_audit_log_rls_is_forced(owner: asyncpg.Connection) -> None:
    enabled, forced = await owner.fetchrow(
        "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = 'audit_log'"
    )
    assert enabled and forced
    for table in ("pz_user", "pz_session", "one_time_token", "tenant"):
        assert await owner.fetchval("SELECT relrowsecurity FROM pg_class WHERE relname = $1", table), table


async def test_a_token_holder_slides_and_ends_its_session(
    app_conn: asyncpg.Connection, owner: asyncpg.Connection
) -> None:
    """What ``sessions.load`` does for a cookie (outside any transaction, no user in context)."""
    from pilotzone.auth.sessions import ABSOLUTE, IDLE, token_hash

    token = secrets.token_urlsafe(32)
    user = await _user_id(owner, demo("reviewer", "guangzhou"))
    await owner.execute(
        'INSERT INTO pz_session (token_hash, "user", csrf_token, created_at, last_seen_at, expires_at, ip, '
        "user_agent, province) VALUES ($1, $2, 'x', now() - interval '1 hour', now() - interval '1 hour', "
        "now() + interval '1 minute', '', 'defence-touch', false)",
        token_hash(token),
        user,
    )
    await app_conn.execute("SELECT pz_session_touch($1, $2, $3)", token_hash(token), IDLE, ABSOLUTE)
    expires = await owner.fetchval(
        "SELECT expires_at - now() FROM pz_session WHERE user_agent = 'defence-touch'"
    )
    assert timedelta(hours=7) < expires <= IDLE
    await app_conn.execute("SELECT pz_session_end($1)", token_hash(token))
    assert await owner.fetchval("SELECT count(*) FROM pz_session WHERE user_agent = 'defence-touch'") == 0


async def test_the_app_role_never_writes_a_province_role(
    app_conn: asyncpg.Connection, owner: asyncpg.Connection
) -> None:
    me = await _user_id(owner, demo("enterprise", "guangzhou"))
    email = f"planted-{uuid.uuid4().hex[:8]}@example.cn"
    async with app_conn.transaction():
        await _as(app_conn, user_id=me)
        for refused in (
            ("UPDATE pz_user SET province_role = 'province_admin' WHERE id = $1", me),
            (
                "INSERT INTO pz_user (email, display_name, password_hash, province_role, is_active, created_at) "
                "VALUES ($1, 'x', 'x', 'province_admin', true, now())",
                email,
            ),
            ("SELECT pz_accept_province_invite('no-such-token')",),
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                async with app_conn.transaction():
                    await app_conn.execute(*refused)
    assert await owner.fetchval("SELECT province_role FROM pz_user WHERE id = $1", me) is None
    assert await owner.fetchval("SELECT count(*) FROM pz_user WHERE email = $1", email) == 0
