"""Admin pages: bureau admins manage their tenant's users; province admins manage bureau admins
and provincial users. Every change is audited."""

from __future__ import annotations

import re
import uuid

import asyncpg
from litestar.testing import AsyncTestClient
from tests import factories
from tests.support import csrf_of, demo, sign_in

LINK = re.compile(r"http://testserver\.local(/(?:z/\w+/)?(?:invite|reset)/[\w-]+)")


async def _membership(owner: asyncpg.Connection, email: str, tenant_id: int) -> int:
    return await owner.fetchval(
        'SELECT m.id FROM membership m JOIN pz_user u ON u.id = m."user" WHERE u.email = $1 AND m.tenant_id = $2',
        email,
        tenant_id,
    )


async def test_bureau_admin_sees_own_members_only(admin_gz) -> None:
    page = await admin_gz.get("/z/guangzhou/admin/users/")
    assert page.status_code == 200
    assert demo("reviewer", "guangzhou") in page.text
    assert demo("reviewer", "foshan") not in page.text


async def test_invitation_with_field_errors_then_accepted(
    admin_gz, app, owner: asyncpg.Connection, tenants: dict
) -> None:
    email = f"district-{uuid.uuid4().hex[:6]}@example.cn"
    bad = await admin_gz.post(
        "/z/guangzhou/admin/users/invite",
        data={"email": email, "role": "district_reviewer", "district_code": "999999"},
    )
    assert (
        bad.status_code == 400 and "请选择本综试区的行政区" in bad.text and 'aria-invalid="true"' in bad.text
    )
    assert f'value="{email}"' in bad.text  # what was typed is kept
    bad_email = await admin_gz.post(
        "/z/guangzhou/admin/users/invite", data={"email": "not-an-email", "role": "bureau_reviewer"}
    )
    assert bad_email.status_code == 400 and "有效的电子邮箱" in bad_email.text
    district = await owner.fetchval(
        "SELECT district_code FROM park WHERE tenant_id = $1 ORDER BY id LIMIT 1", tenants["guangzhou"]
    )
    good = await admin_gz.post(
        "/z/guangzhou/admin/users/invite",
        data={"email": email, "role": "district_reviewer", "district_code": district},
        headers={"HX-Request": "true"},
    )
    assert good.status_code == 200 and "<html" not in good.text  # the HTMX swap gets the fragment
    path = LINK.search(good.text).group(1)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as guest:
        token = await csrf_of(guest)
        accepted = await guest.post(
            path,
            data={"password": "district-passw0rd", "display_name": "区审核", "csrf_token": token},
            follow_redirects=False,
        )
        assert accepted.status_code == 303
    row = await owner.fetchrow(
        'SELECT m.role, m.district_code FROM membership m JOIN pz_user u ON u.id = m."user" WHERE u.email = $1',
        email,
    )
    assert dict(row) == {"role": "district_reviewer", "district_code": district}
    assert (
        await owner.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'membership.added' AND tenant_id = $1 AND after->>'role' = 'district_reviewer'",
            tenants["guangzhou"],
        )
        >= 1
    )


async def test_removing_a_role_ends_its_sessions_and_can_be_undone(
    admin_gz, as_user, owner: asyncpg.Connection, tenants: dict
) -> None:
    email = demo("park", "guangzhou")
    membership = await _membership(owner, email, tenants["guangzhou"])
    async with as_user(email) as victim:
        assert (await victim.get("/z/guangzhou/")).status_code == 200
        removed = await admin_gz.post(
            f"/z/guangzhou/admin/users/memberships/{membership}/deactivate", follow_redirects=False
        )
        assert removed.status_code == 303
        gone = await victim.get("/z/guangzhou/", follow_redirects=False)
        assert gone.status_code in (303, 403)
    audit = await owner.fetchrow(
        "SELECT before, after FROM audit_log WHERE action = 'membership.deactivated' AND object_id = $1 ORDER BY id DESC LIMIT 1",
        str(membership),
    )
    assert '"active": true' in audit["before"] and '"active": false' in audit["after"]
    restored = await admin_gz.post(
        f"/z/guangzhou/admin/users/memberships/{membership}/activate", follow_redirects=False
    )
    assert restored.status_code == 303
    async with as_user(email) as victim:
        assert (await victim.get("/z/guangzhou/")).status_code == 200


async def test_admin_cannot_touch_another_tenants_membership(
    admin_gz, owner: asyncpg.Connection, tenants: dict
) -> None:
    foreign = await _membership(owner, demo("reviewer", "foshan"), tenants["foshan"])
    response = await admin_gz.post(f"/z/guangzhou/admin/users/memberships/{foreign}/deactivate")
    assert response.status_code == 400
    assert await owner.fetchval("SELECT active FROM membership WHERE id = $1", foreign) is True


async def test_password_link_for_a_member(admin_gz, app) -> None:
    page = await admin_gz.get("/z/guangzhou/admin/users/")
    ids = re.findall(r"/z/guangzhou/admin/users/memberships/(\d+)/reset", page.text)
    assert ids
    issued = await admin_gz.post(f"/z/guangzhou/admin/users/memberships/{ids[0]}/reset")
    path = LINK.search(issued.text).group(1)
    assert path.startswith("/reset/")
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as guest:
        assert (await guest.get(path)).status_code == 200


async def test_reviewers_and_strangers_are_refused(as_user) -> None:
    async with as_user(demo("reviewer", "guangzhou")) as reviewer:
        assert (await reviewer.get("/z/guangzhou/admin/users/")).status_code == 403
        invite = await reviewer.post(
            "/z/guangzhou/admin/users/invite", data={"email": "x@example.cn", "role": "bureau_admin"}
        )
        assert invite.status_code == 403
    async with as_user(demo("admin", "foshan")) as stranger:
        assert (await stranger.get("/z/guangzhou/admin/users/")).status_code == 403
        assert (await stranger.get("/province/admin/users/")).status_code == 403


async def test_province_admin_appoints_bureau_admins_only(
    as_user, owner: asyncpg.Connection, tenants: dict
) -> None:
    async with as_user(demo("province-admin")) as client:
        page = await client.get("/z/foshan/admin/users/")
        assert page.status_code == 200 and demo("admin", "foshan") in page.text
        wrong = await client.post(
            "/z/foshan/admin/users/invite", data={"email": "r@example.cn", "role": "bureau_reviewer"}
        )
        assert wrong.status_code == 400 and "只能任免商务局管理员" in wrong.text
        ok = await client.post(
            "/z/foshan/admin/users/invite",
            data={"email": f"boss-{uuid.uuid4().hex[:5]}@example.cn", "role": "bureau_admin"},
        )
        assert ok.status_code == 200 and LINK.search(ok.text)
        reviewer = await _membership(owner, demo("reviewer", "foshan"), tenants["foshan"])
        refused = await client.post(f"/z/foshan/admin/users/memberships/{reviewer}/deactivate")
        assert refused.status_code == 400
        # a bureau admin of its own: the demo admin's sessions (other tests' clients) stay valid
        _person, admin_membership = await factories.member("foshan", "bureau_admin")
        boss = admin_membership.id
        removed = await client.post(
            f"/z/foshan/admin/users/memberships/{boss}/deactivate", follow_redirects=False
        )
        assert removed.status_code == 303
        assert await owner.fetchval("SELECT active FROM membership WHERE id = $1", boss) is False
        restored = await client.post(
            f"/z/foshan/admin/users/memberships/{boss}/activate", follow_redirects=False
        )
        assert restored.status_code == 303
        assert (await client.post("/z/foshan/stats")).status_code == 403  # still no other city writes
    async with as_user(demo("province-viewer")) as viewer:
        assert (
            await viewer.post(
                "/z/foshan/admin/users/invite", data={"email": "v@example.cn", "role": "bureau_admin"}
            )
        ).status_code == 403


async def test_province_admin_manages_provincial_users(as_user, app, owner: asyncpg.Connection) -> None:
    email = f"prov-{uuid.uuid4().hex[:6]}@example.cn"
    async with as_user(demo("province-admin")) as client:
        page = await client.get("/province/admin/users/")
        assert page.status_code == 200 and demo("province-viewer") in page.text
        issued = await client.post(
            "/province/admin/users/invite", data={"email": email, "province_role": "province_viewer"}
        )
        path = LINK.search(issued.text).group(1)
        assert path.startswith("/invite/")
        async with AsyncTestClient(app=app, base_url="http://testserver.local") as guest:
            token = await csrf_of(guest)
            done = await guest.post(
                path, data={"password": "viewer-passw0rd", "csrf_token": token}, follow_redirects=False
            )
            assert done.headers["location"] == "/province/"
            assert (await guest.get("/province/")).status_code == 200
        user_id = await owner.fetchval("SELECT id FROM pz_user WHERE email = $1", email)
        revoked = await client.post(f"/province/admin/users/{user_id}/revoke", follow_redirects=False)
        assert revoked.status_code == 303
        assert await owner.fetchval("SELECT province_role FROM pz_user WHERE id = $1", user_id) is None
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as again:
        response = await sign_in(again, email, "viewer-passw0rd")
        assert response.headers["location"] == "/account/no-access"
