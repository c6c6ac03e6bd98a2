"""A province admin adds a pilot-zone city at /province/tenants/: districts from the GB/T 2260 dataset,
the tenant written as `tenants sync` writes one, its first bureau admin invited; the new city works at
once and survives a later sync. City users cannot open the page."""

from __future__ import annotations

import uuid
from pathlib import Path

import asyncpg
from litestar.testing import AsyncTestClient
from tests.integration.tenancy.cities_support import LINK, remove_city
from tests.support import csrf_of, demo, sign_in

from pilotzone.provisioning import sync

ROOT = Path(__file__).resolve().parents[3]


def _form(slug: str, email: str, **extra: object) -> dict:
    return {
        "division": "440300",
        "slug": slug,
        "name_zh": "深圳测试",
        "name_en": "Shenzhen Test",
        "bureau_zh": "深圳测试商务局",
        "bureau_en": "Shenzhen Test Bureau of Commerce",
        "districts": ["440303", "440305"],
        "primary": "#123456",
        "accent": "#654321",
        "approved_year": "2016",
        "admin_email": email,
        **extra,
    }


async def test_city_users_cannot_open_the_cities_page(admin_gz, as_user) -> None:
    assert (await admin_gz.get("/province/tenants/")).status_code == 403
    async with as_user(demo("province-viewer")) as viewer:
        assert (await viewer.get("/province/tenants/")).status_code == 403


async def test_the_page_lists_every_city_and_the_districts_of_a_prefecture(as_user) -> None:
    async with as_user(demo("province-admin")) as admin:
        page = await admin.get("/province/tenants/")
        assert page.status_code == 200
        assert page.text.count('data-city="') == 21 and "东莞市" in page.text
        assert "440300 深圳市 · 已有综试区" in page.text  # the prefectures that have a zone are told
        part = await admin.get("/province/tenants/districts", params={"division": "440500"}, headers={"HX-Request": "true"})
        assert part.status_code == 200 and "<html" not in part.text
        assert 'value="440523"' in part.text and "南澳县" in part.text and "440501" not in part.text
        # without JavaScript: "下一步" posts the form back with the districts ticked, creating nothing
        step = await admin.post("/province/tenants/", data={"division": "441900", "step": "districts"})
        assert step.status_code == 200 and 'value="441900" checked' in step.text
        assert 'value="东莞"' in step.text and 'value="东莞市商务局"' in step.text


async def test_province_admin_creates_a_city_whose_first_admin_signs_in(
    as_user, app, owner: asyncpg.Connection
) -> None:
    slug = f"sz{uuid.uuid4().hex[:6]}"
    email = f"first-admin-{slug}@example.cn"
    try:
        async with as_user(demo("province-admin")) as admin:
            bad = await admin.post("/province/tenants/", data=_form(slug, email, districts=["440103"]))
            assert bad.status_code == 400 and 'aria-describedby="districts-error"' in bad.text
            taken = await admin.post("/province/tenants/", data=_form("guangzhou", email))
            assert taken.status_code == 400 and 'id="city-slug-error"' in taken.text
            bad_email = await admin.post("/province/tenants/", data=_form(slug, "nobody"))
            assert bad_email.status_code == 400 and 'id="city-admin_email-error"' in bad_email.text
            assert await owner.fetchval("SELECT count(*) FROM tenant WHERE slug = $1", slug) == 0
            created = await admin.post("/province/tenants/", data=_form(slug, email))
            assert created.status_code == 200, created.text[:300]
            assert f'data-created="{slug}"' in created.text
            path = LINK.search(created.text).group(1)
            listed = await admin.get("/province/tenants/")
            assert f'data-city="{slug}"' in listed.text and "已邀请首位管理员" in listed.text
        row = await owner.fetchrow("SELECT * FROM tenant WHERE slug = $1", slug)
        assert row["source_file"] == "" and row["active"]
        assert '"440303"' in row["districts"] and "罗湖区" in row["districts"] and "440305" in row["districts"]
        assert await owner.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'tenant.created' AND tenant_id IS NULL AND object_id = $1",
            str(row["id"]),
        ) == 1
        # the invitation: the first admin sets a password and is signed in to the new city
        async with AsyncTestClient(app=app, base_url="http://testserver.local") as guest:
            accepted = await guest.post(
                path,
                data={"password": "first-admin-passw0rd", "display_name": "首位管理员", "csrf_token": await csrf_of(guest)},
                follow_redirects=False,
            )
            assert accepted.status_code == 303
        async with AsyncTestClient(app=app, base_url="http://testserver.local") as first:
            await sign_in(first, email, "first-admin-passw0rd")
            home = await first.get(f"/z/{slug}/")
            assert home.status_code == 200 and "深圳测试" in home.text
            assert (await first.get(f"/z/{slug}/programs/new")).status_code == 200  # the builders
            assert (await first.get("/z/guangzhou/")).status_code == 403  # RLS and memberships: its own city only
            assert (await first.get("/province/tenants/")).status_code == 403
        # a later sync of the tenant files leaves the city added in the app alone
        report = await sync(ROOT / "tenants")
        assert slug not in report.created + report.updated + report.unchanged
        assert await owner.fetchval("SELECT active FROM tenant WHERE slug = $1", slug) is True
    finally:
        await remove_city(owner, slug)
