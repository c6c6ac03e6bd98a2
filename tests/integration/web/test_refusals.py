"""What a refusal says and offers (the 403 page), self-removal of an administrator's role, and the
hint to register a subject before applying for its certification."""

from __future__ import annotations

from litestar.testing import AsyncTestClient
from tests import factories
from tests.support import PASSWORD, demo, sign_in

NO_ROLE = "您的账号在本综试区没有角色"
SWITCH = 'name="membership"'


async def test_refusal_offers_no_switch_to_the_role_already_acting(as_user) -> None:  # type: ignore[no-untyped-def]
    async with as_user(demo("enterprise", "guangzhou")) as enterprise:
        page = await enterprise.get("/z/guangzhou/reviews/")
    assert page.status_code == 403 and "您的角色无权执行此操作" in page.text
    assert SWITCH not in page.text  # its one role here is the one it acts with


async def test_refusal_in_another_zone_where_the_user_has_a_role(app, owner, tenants) -> None:  # type: ignore[no-untyped-def]
    ids = {
        r["tenant_id"]: r["id"]
        for r in await owner.fetch(
            'SELECT m.id, m.tenant_id FROM membership m JOIN pz_user u ON u.id = m."user" WHERE u.email = $1',
            demo("multi"),
        )
    }
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        await sign_in(client, demo("multi"))
        chosen = await client.post(
            "/account/context", data={"membership": str(ids[tenants["guangzhou"]])}, follow_redirects=False
        )
        assert chosen.status_code == 303
        page = await client.get("/z/foshan/reviews/")
    assert page.status_code == 403
    assert NO_ROLE not in page.text and "您当前以另一综试区的角色登录" in page.text  # no contradiction
    assert SWITCH in page.text and f'value="{ids[tenants["foshan"]]}"' in page.text
    assert f'value="{ids[tenants["guangzhou"]]}"' not in page.text  # not the role it acts with


async def test_refusal_without_a_role_here(as_user) -> None:  # type: ignore[no-untyped-def]
    async with as_user(demo("enterprise", "foshan")) as stranger:
        page = await stranger.get("/z/guangzhou/")
    assert page.status_code == 403 and NO_ROLE in page.text
    assert SWITCH not in page.text and 'href="/z/foshan/"' in page.text


async def test_an_admin_cannot_remove_an_own_role(as_user, owner, tenants) -> None:  # type: ignore[no-untyped-def]
    gz = tenants["guangzhou"]
    admin = await owner.fetchrow(
        'SELECT m.id, m."user", m.district_code FROM membership m JOIN pz_user u ON u.id = m."user" '
        "WHERE u.email = $1 AND m.tenant_id = $2",
        demo("admin", "guangzhou"),
        gz,
    )
    # a second membership of the same user here (a reviewer role beside the admin role)
    second = (await factories.membership("guangzhou", admin["user"], "bureau_reviewer")).id
    try:
        async with as_user(demo("admin", "guangzhou")) as client:
            chosen = await client.post("/account/context", data={"membership": str(admin["id"])})
            assert chosen.status_code in (200, 303)
            users = await client.get("/z/guangzhou/admin/users/")
            assert users.status_code == 200
            assert f"/memberships/{admin['id']}/deactivate" not in users.text  # not offered on own rows
            assert f"/memberships/{second}/deactivate" not in users.text and "data-own-role" in users.text
            for membership in (admin["id"], second):
                refused = await client.post(f"/z/guangzhou/admin/users/memberships/{membership}/deactivate")
                assert refused.status_code == 400 and "须由另一位商务局管理员操作" in refused.text
        rows = await owner.fetch('SELECT active FROM membership WHERE "user" = $1', admin["user"])
        assert all(r["active"] for r in rows)
    finally:
        await owner.execute("DELETE FROM membership WHERE id = $1", second)


async def test_no_subject_yet_links_to_its_registration(app, owner) -> None:  # type: ignore[no-untyped-def]
    # an enterprise of its own: no warehouse or talent of any other test belongs to it
    enterprise = await factories.enterprise("foshan", name="测试尚无海外仓企业")
    email = factories.unique("no-warehouse-yet") + "@example.cn"
    user, _ = await factories.member(
        "foshan", "enterprise_user", email=email, display_name="尚无海外仓", enterprise=enterprise.id
    )
    user = user.id
    try:
        async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
            await sign_in(client, email, PASSWORD)
            for scheme, target in (("overseas-warehouse", "warehouses"), ("talent", "talents")):
                page = await client.get(f"/z/foshan/applications/new?scheme={scheme}")
                assert page.status_code == 200 and "您的范围内暂无可申报此认定的对象" in page.text
                hint = page.text.split("data-register-hint>", 1)[1].split("</p>", 1)[0]
                assert "请先登记" in hint and f'href="/z/foshan/{target}#register-heading"' in hint
                registration = await client.get(f"/z/foshan/{target}")
                assert 'id="register-heading"' in registration.text  # the link lands on its form
    finally:
        await owner.execute('DELETE FROM pz_session WHERE "user" = $1', user)
        await owner.execute('DELETE FROM membership WHERE "user" = $1', user)
        await owner.execute("DELETE FROM pz_user WHERE id = $1", user)
        await owner.execute("DELETE FROM enterprise WHERE id = $1", enterprise.id)
