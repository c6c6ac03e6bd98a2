"""Parks added by the bureau: a form reachable from the park list, active at once, audited."""

from __future__ import annotations

import asyncpg
import pytest
from tests.support import demo

GZ = "/z/guangzhou"


@pytest.fixture
async def cleanup(owner: asyncpg.Connection):  # type: ignore[no-untyped-def]
    yield
    await owner.execute("DELETE FROM park WHERE name_zh LIKE '测试局登记%'")


async def _form(owner: asyncpg.Connection) -> dict[str, str]:
    district = await owner.fetchval(
        "SELECT d->>'code' FROM tenant, jsonb_array_elements(districts) d WHERE slug = 'guangzhou' LIMIT 1"
    )
    return {
        "name_zh": "测试局登记园区",
        "kind": "bonded_logistics_center",
        "district_code": district,
        "operator": "广州测试物流中心有限公司",
        "address": "广州市南沙区测试大道 8 号",
        "area": "88000.25",
        "contact_name": "赵六",
        "contact_phone": "020-3888 1234",
        "contact_email": "Park.Ops@Example.cn",
    }


async def test_bureau_admin_adds_an_active_park_from_the_list(admin_gz, owner, cleanup) -> None:
    listing = await admin_gz.get(f"{GZ}/parks/")
    assert f'href="{GZ}/parks/new"' in listing.text and "新增园区" in listing.text
    blank = await admin_gz.get(f"{GZ}/parks/new")
    assert blank.status_code == 200 and f'action="{GZ}/parks/"' in blank.text and 'name="area"' in blank.text
    form = await _form(owner)
    bad = await admin_gz.post(f"{GZ}/parks/", data={**form, "area": "-3"})
    assert bad.status_code == 400 and "大于 0" in bad.text and 'aria-invalid="true"' in bad.text
    assert 'value="广州测试物流中心有限公司"' in bad.text  # what was typed stays
    no_district = await admin_gz.post(f"{GZ}/parks/", data={**form, "district_code": "999999"})
    assert no_district.status_code == 400
    assert await owner.fetchval("SELECT count(*) FROM park WHERE name_zh = '测试局登记园区'") == 0
    created = await admin_gz.post(f"{GZ}/parks/", data=form, follow_redirects=False)
    assert created.status_code == 303
    row = await owner.fetchrow("SELECT * FROM park WHERE name_zh = '测试局登记园区'")
    assert created.headers["location"] == f"{GZ}/parks/{row['id']}"
    assert row["status"] == "active" and row["source"] == "bureau" and str(row["area"]) == "88000.25"
    assert row["contact_email"] == "park.ops@example.cn" and row["key"].startswith("bureau-")
    audit = await owner.fetchrow(
        "SELECT actor_id, after FROM audit_log WHERE action = 'park.created' AND object_id = $1",
        str(row["id"]),
    )
    assert audit is not None and '"88000.25"' in audit["after"] and audit["actor_id"] is not None
    assert "测试局登记园区" in (await admin_gz.get(f"{GZ}/parks/", params={"q": "测试局登记"})).text
    # active at once: offered to enterprises registering themselves
    assert "测试局登记园区" in (await admin_gz.get(f"{GZ}/register/enterprise")).text


async def test_only_bureau_admins_add_parks(as_user, owner, cleanup) -> None:
    form = await _form(owner)
    for local in ("reviewer", "park", "enterprise"):
        async with as_user(demo(local, "guangzhou")) as client:
            assert f'href="{GZ}/parks/new"' not in (await client.get(f"{GZ}/parks/")).text
            assert (await client.get(f"{GZ}/parks/new")).status_code == 403
            assert (await client.post(f"{GZ}/parks/", data=form)).status_code == 403
    async with as_user(demo("admin", "foshan")) as client:  # another pilot zone's admin
        assert (await client.post(f"{GZ}/parks/", data=form)).status_code in (403, 404)
    assert await owner.fetchval("SELECT count(*) FROM park WHERE name_zh = '测试局登记园区'") == 0
