"""Local sign-in: rotation, logout, throttling, CSRF, choosing a membership, invitations, resets."""

from __future__ import annotations

import uuid

import asyncpg
import pytest
from litestar.testing import AsyncTestClient
from tests import factories
from tests.support import PASSWORD, csrf_of, demo, sign_in


@pytest.fixture
async def fresh(app):  # type: ignore[no-untyped-def]
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        yield client


async def test_sign_in_rotates_the_session_and_logout_kills_it(fresh, owner: asyncpg.Connection) -> None:
    await sign_in(fresh, demo("reviewer", "guangzhou"))
    first = fresh.cookies.get("pz_session")
    assert first
    cookie_header = (await fresh.get("/z/guangzhou/")).status_code
    assert cookie_header == 200
    await sign_in(fresh, demo("reviewer", "guangzhou"))  # signing in again from the same browser
    second = fresh.cookies.get("pz_session")
    assert second and second != first
    import hashlib

    hashes = {r["token_hash"] for r in await owner.fetch("SELECT token_hash FROM pz_session")}
    assert hashlib.sha256(first.encode()).hexdigest() not in hashes  # the old session is gone
    assert hashlib.sha256(second.encode()).hexdigest() in hashes
    assert first not in hashes and second not in hashes  # only hashes are stored
    logout = await fresh.post("/logout", follow_redirects=False)
    assert logout.status_code == 303 and "pz_session=" in logout.headers["set-cookie"]
    assert hashlib.sha256(second.encode()).hexdigest() not in {
        r["token_hash"] for r in await owner.fetch("SELECT token_hash FROM pz_session")
    }
    fresh.cookies.set("pz_session", second)  # replaying the old cookie does not work
    again = await fresh.get("/z/guangzhou/", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/login?next=")


async def test_session_cookie_flags(fresh) -> None:
    token = await csrf_of(fresh)
    response = await fresh.post(
        "/login",
        data={"email": demo("admin", "foshan"), "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie


async def test_wrong_password_and_throttling_per_account(fresh, owner: asyncpg.Connection) -> None:
    email = demo("district", "foshan")
    token = await csrf_of(fresh)
    for _ in range(5):
        wrong = await fresh.post(
            "/login", data={"email": email, "password": "nope-nope-1", "csrf_token": token}
        )
        assert wrong.status_code == 400 and "电子邮箱或密码错误" in wrong.text
    blocked = await fresh.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert blocked.status_code == 429 and "登录失败次数过多" in blocked.text and "分钟后再试" in blocked.text
    assert "pz_session" not in fresh.cookies
    actions = [
        r["action"]
        for r in await owner.fetch("SELECT action FROM audit_log WHERE actor = $1 ORDER BY id", email)
    ]
    assert actions.count("login.failed") == 5 and actions[-1] == "login.throttled"
    await owner.execute("DELETE FROM login_failure WHERE email = $1", email)  # the window passes
    await sign_in(fresh, email)


async def test_throttling_per_address(fresh, owner: asyncpg.Connection) -> None:
    token = await csrf_of(fresh)
    try:
        for i in range(20):
            await fresh.post(
                "/login", data={"email": f"nobody{i}@example.cn", "password": "x" * 12, "csrf_token": token}
            )
        blocked = await fresh.post(
            "/login", data={"email": demo("reviewer", "foshan"), "password": PASSWORD, "csrf_token": token}
        )
        assert blocked.status_code == 429
    finally:
        await owner.execute("DELETE FROM login_failure WHERE email LIKE 'nobody%@example.cn'")


async def test_csrf_missing_or_wrong_is_refused_with_a_clear_page(
    admin_fs, owner: asyncpg.Connection, tenants: dict
) -> None:
    park = await owner.fetchval("SELECT min(id) FROM park WHERE tenant_id = $1", tenants["foshan"])
    before = await owner.fetchval("SELECT count(*) FROM document")
    saved = admin_fs.headers.pop("X-CSRF-Token")
    try:
        missing = await admin_fs.post("/z/foshan/stats", data={"x": "1"})
        wrong = await admin_fs.post("/z/foshan/stats", data={"csrf_token": "forged"})
        wrong_header = await admin_fs.post("/z/foshan/stats", headers={"X-CSRF-Token": "forged"})
        for response in (missing, wrong, wrong_header):
            assert response.status_code == 403
            assert "表单安全令牌缺失或已过期" in response.text
        good_form = await admin_fs.post("/z/foshan/stats", data={"csrf_token": saved}, follow_redirects=False)
        assert good_form.status_code == 303
        upload = await admin_fs.post(  # multipart: the token must come before the file, here it is absent
            f"/z/foshan/documents/park/{park}", files={"file": ("a.pdf", b"%PDF-1.4 x", "application/pdf")}
        )
        assert upload.status_code == 403 and "表单安全令牌" in upload.text
        assert await owner.fetchval("SELECT count(*) FROM document") == before
        in_form = await admin_fs.post(
            f"/z/foshan/documents/park/{park}",
            data={"csrf_token": saved},
            files={"file": ("a.pdf", b"%PDF-1.4 x", "application/pdf")},
            follow_redirects=False,
        )
        assert in_form.status_code == 303
    finally:
        admin_fs.headers["X-CSRF-Token"] = saved


async def test_login_form_itself_needs_the_token(fresh) -> None:
    await csrf_of(fresh)
    response = await fresh.post("/login", data={"email": demo("admin", "foshan"), "password": PASSWORD})
    assert response.status_code == 403


async def test_user_with_several_memberships_chooses_and_switches(
    fresh, owner: asyncpg.Connection, tenants: dict
) -> None:
    response = await sign_in(fresh, demo("multi"))
    assert response.headers["location"] == "/account/context"
    page = await fresh.get("/account/context")
    assert "广州" in page.text and "佛山" in page.text
    ids = {
        r["tenant_id"]: r["id"]
        for r in await owner.fetch(
            'SELECT m.id, m.tenant_id FROM membership m JOIN pz_user u ON u.id = m."user" WHERE u.email = $1',
            demo("multi"),
        )
    }
    refused = await fresh.get("/z/foshan/")
    assert refused.status_code == 403 and 'name="membership"' in refused.text  # offers the switch
    chosen = await fresh.post(
        "/account/context", data={"membership": str(ids[tenants["foshan"]])}, follow_redirects=False
    )
    assert chosen.headers["location"] == "/z/foshan/"
    assert (await fresh.get("/z/foshan/")).status_code == 200
    assert (await fresh.get("/z/guangzhou/")).status_code == 403
    other = await fresh.post(
        "/account/context", data={"membership": str(ids[tenants["guangzhou"]])}, follow_redirects=False
    )
    assert other.headers["location"] == "/z/guangzhou/"
    assert (await fresh.get("/z/guangzhou/")).status_code == 200
    stranger = await owner.fetchval("SELECT min(id) FROM membership WHERE tenant_id = $1", tenants["foshan"])
    forged = await fresh.post("/account/context", data={"membership": str(stranger)})
    assert forged.status_code == 403


async def test_invitation_then_reset_link(admin_gz, app, owner: asyncpg.Connection, tenants: dict) -> None:
    from pilotzone.auth import services
    from pilotzone.tenancy.context import TenantContext, tenant_transaction

    email = f"new-{uuid.uuid4().hex[:6]}@example.cn"
    # links are issued by an administrator of where they lead (pz_issue_link checks it)
    admin = await owner.fetchval("SELECT id FROM pz_user WHERE email = $1", demo("admin", "guangzhou"))
    as_admin = TenantContext(tenants["guangzhou"], "guangzhou", user_id=admin)
    async with tenant_transaction(as_admin):
        link = await services.issue_invitation(
            email, tenants["guangzhou"], {"role": "bureau_reviewer"}, admin
        )
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as guest:
        assert (
            await guest.get(f"/invite/{link.token}")
        ).status_code == 404  # a tenant invitation lives under its tenant
        form = await guest.get(f"/z/guangzhou/invite/{link.token}")
        assert form.status_code == 200 and email in form.text
        token = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        weak = await guest.post(
            f"/z/guangzhou/invite/{link.token}", data={"password": "short", "csrf_token": token}
        )
        assert weak.status_code == 400 and "至少 10 个字符" in weak.text
        accepted = await guest.post(
            f"/z/guangzhou/invite/{link.token}",
            data={"display_name": "新审核员", "password": "a-good-passw0rd", "csrf_token": token},
            follow_redirects=False,
        )
        assert accepted.status_code == 303 and accepted.headers["location"] == "/z/guangzhou/"
        assert (await guest.get("/z/guangzhou/")).status_code == 200
    assert (await owner.fetchval("SELECT used_at FROM one_time_token WHERE id = $1", link.id)) is not None
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as guest:
        assert (await guest.get(f"/z/guangzhou/invite/{link.token}")).status_code == 404  # used once only

    user_id = await owner.fetchval("SELECT id FROM pz_user WHERE email = $1", email)
    from pilotzone.auth.tables import User, find_user

    async with tenant_transaction(as_admin):
        reset = await services.issue_reset(await find_user(User.id == user_id), admin)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as guest:
        page = await guest.get(f"/reset/{reset.token}")
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        done = await guest.post(
            f"/reset/{reset.token}",
            data={"password": "another-passw0rd", "csrf_token": token},
            follow_redirects=False,
        )
        assert done.status_code == 303
        await sign_in(guest, email, "another-passw0rd")
        assert (await guest.get(f"/reset/{reset.token}")).status_code == 404


async def test_signed_in_without_memberships_sees_whom_to_ask(app, owner: asyncpg.Connection) -> None:
    lonely = await factories.user(f"{factories.unique('lonely')}@example.cn", display_name="")
    try:
        async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
            response = await sign_in(client, lonely.email)
            assert response.headers["location"] == "/account/no-access"
            page = await client.get("/account/no-access")
            assert "尚未被任何综试区授予角色" in page.text and "商务局" in page.text
            assert (await client.get("/z/guangzhou/")).status_code == 403
    finally:
        await owner.execute('DELETE FROM pz_session WHERE "user" = $1', lonely.id)
        await owner.execute("DELETE FROM pz_user WHERE id = $1", lonely.id)


async def test_province_users_read_cities_but_cannot_change_them(as_user) -> None:
    async with as_user(demo("province-viewer")) as client:
        assert (await client.get("/province/")).status_code == 200
        home = await client.get("/z/guangzhou/")
        assert home.status_code == 200 and "广州白云机场综合保税区" in home.text
        write = await client.post("/z/guangzhou/stats")
        assert write.status_code == 403 and "不能修改" in write.text
    async with as_user(demo("admin", "guangzhou")) as client:
        assert (await client.get("/province/")).status_code == 403
