"""Overseas warehouse registry: validation, bureau and enterprise registration, acceptance, scope."""

from __future__ import annotations

import asyncpg
import pytest
from tests import factories
from tests.support import demo

GZ = "/z/guangzhou/warehouses/"
VALID = {
    "country": "de",
    "city": "Frankfurt",
    "address": "测试仓 Hanauer Landstr. 1",
    "floor_area": "1200.50",
}


@pytest.fixture
async def cleanup(owner: asyncpg.Connection):  # type: ignore[no-untyped-def]
    yield
    await owner.execute("DELETE FROM overseas_warehouse WHERE address LIKE '测试仓%'")


async def test_bureau_registration_reports_field_errors_and_keeps_the_form(
    admin_gz, owner, tenants, cleanup, scoped_enterprises
) -> None:
    mine, _ = scoped_enterprises
    base = {**VALID, "enterprise_id": str(mine), "services": ["storage", "returns"]}
    bad_country = await admin_gz.post(GZ, data={**base, "country": "XX"})
    assert bad_country.status_code == 400 and "ISO 3166 两位字母代码" in bad_country.text
    assert 'value="Frankfurt"' in bad_country.text and 'value="returns" checked' in bad_country.text
    for area in ("0", "-3", "abc", "1.234"):
        bad_area = await admin_gz.post(GZ, data={**base, "floor_area": area})
        assert bad_area.status_code == 400 and "面积" in bad_area.text, area
    unknown = await admin_gz.post(GZ, data={**base, "services": ["storage", "teleport"]})
    assert unknown.status_code == 400 and "请从列表中选择服务" in unknown.text
    none = await admin_gz.post(GZ, data={**VALID, "enterprise_id": str(mine)})
    assert none.status_code == 400 and "请至少选择一项服务" in none.text
    no_owner = await admin_gz.post(GZ, data={**base, "enterprise_id": "999999"})
    assert no_owner.status_code == 400
    assert await owner.fetchval("SELECT count(*) FROM overseas_warehouse WHERE address LIKE '测试仓%'") == 0

    created = await admin_gz.post(GZ, data={**base, "wms_integrated": "1"}, follow_redirects=False)
    assert created.status_code == 303
    row = await owner.fetchrow(
        "SELECT id, tenant_id, enterprise, country, floor_area, services, wms_integrated, status "
        "FROM overseas_warehouse WHERE address LIKE '测试仓%'"
    )
    assert created.headers["location"] == f"{GZ}{row['id']}"
    assert row["tenant_id"] == tenants["guangzhou"] and row["enterprise"] == mine and row["country"] == "DE"
    assert str(row["floor_area"]) == "1200.50" and row["wms_integrated"] and row["status"] == "active"
    assert '"returns"' in row["services"] and '"storage"' in row["services"]
    page = await admin_gz.get(f"{GZ}{row['id']}")
    assert page.status_code == 200 and "德国" in page.text and "退货处理" in page.text
    assert (
        await owner.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'warehouse.created' AND object_id = $1",
            str(row["id"]),
        )
        == 1
    )


async def test_enterprise_registration_waits_for_the_bureau(
    as_user, admin_gz, owner, cleanup, scoped_enterprises
) -> None:
    mine, other = scoped_enterprises
    async with as_user(demo("enterprise", "guangzhou")) as client:
        page = await client.get(GZ)
        assert "登记海外仓" in page.text and 'name="enterprise_id"' not in page.text
        created = await client.post(
            GZ, data={**VALID, "enterprise_id": str(other), "services": "storage"}, follow_redirects=False
        )
        assert created.status_code == 303
        row = await owner.fetchrow(
            "SELECT id, enterprise, status FROM overseas_warehouse WHERE address LIKE '测试仓%'"
        )
        assert (
            row["enterprise"] == mine and row["status"] == "pending"
        )  # their own enterprise, not the one posted
        detail = await client.get(f"{GZ}{row['id']}")
        assert "待确认" in detail.text and "确认登记" not in detail.text
        refused = await client.post(f"{GZ}{row['id']}/accept", follow_redirects=False)
        assert refused.status_code == 403
    assert "确认登记" in (await admin_gz.get(f"{GZ}{row['id']}")).text
    accepted = await admin_gz.post(f"{GZ}{row['id']}/accept", follow_redirects=False)
    assert accepted.status_code == 303
    assert await owner.fetchval("SELECT status FROM overseas_warehouse WHERE id = $1", row["id"]) == "active"
    assert (
        await owner.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'warehouse.accepted' AND object_id = $1",
            str(row["id"]),
        )
        == 1
    )
    async with as_user(demo("reviewer", "guangzhou")) as client:
        refused = await client.post(GZ, data={**VALID, "enterprise_id": str(mine), "services": "storage"})
        assert refused.status_code == 403


@pytest.mark.parametrize("local", ["enterprise", "park", "district"])
async def test_lists_and_pages_follow_the_acting_scope(as_user, cleanup, local, scoped_enterprises) -> None:
    mine, other = scoped_enterprises
    inside = (await factories.warehouse("guangzhou", mine, address="测试仓-范围内", wms_integrated=True)).id
    outside = (await factories.warehouse("guangzhou", other, address="测试仓-范围外", wms_integrated=True)).id
    async with as_user(demo(local, "guangzhou")) as client:
        page = await client.get(GZ)
        assert "测试仓-范围内" in page.text and "测试仓-范围外" not in page.text
        assert (await client.get(f"{GZ}{inside}")).status_code == 200
        assert (await client.get(f"{GZ}{outside}")).status_code == 404
    async with as_user(demo("reviewer", "guangzhou")) as client:
        page = await client.get(GZ)
        assert "测试仓-范围内" in page.text and "测试仓-范围外" in page.text
        assert (await client.get(f"{GZ}{outside}")).status_code == 200


async def test_search_fragment_and_other_tenant_refused(
    admin_gz, admin_fs, cleanup, scoped_enterprises
) -> None:
    _, other = scoped_enterprises
    wid = (await factories.warehouse("guangzhou", other, address="测试仓-检索", wms_integrated=True)).id
    fragment = await admin_gz.get(GZ, params={"q": "测试仓-检索"}, headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and "测试仓-检索" in fragment.text
    empty = await admin_gz.get(GZ, params={"q": "不存在的仓库"}, headers={"HX-Request": "true"})
    assert "未找到海外仓" in empty.text
    assert (await admin_fs.get(GZ)).status_code == 403
    assert (await admin_fs.get(f"{GZ}{wid}")).status_code == 403
    assert (await admin_fs.get(f"/z/foshan/warehouses/{wid}")).status_code == 404
    assert (
        await admin_fs.post(f"/z/foshan/warehouses/{wid}/accept", follow_redirects=False)
    ).status_code == 404
    listed = await admin_fs.get("/z/foshan/warehouses/")
    assert listed.status_code == 200 and "测试仓-检索" not in listed.text
