"""Enterprise registry: bureau registration with credit-code validation, search, scoped lists."""

from __future__ import annotations

import asyncpg
import pytest
from tests.support import demo

from pilotzone.registry.uscc import check_char, is_valid, with_check


def test_credit_code_check_digit() -> None:
    assert is_valid("91350100M000100Y43")  # a published example
    assert not is_valid("91350100M000100Y44")
    assert not is_valid("91350100M000100Y4")  # 17 characters
    assert not is_valid("91350100M000100I43")  # I is not in the alphabet
    code = with_check("91440101MA5CXXXX0")
    assert is_valid(code) and code[-1] == check_char("91440101MA5CXXXX0")


@pytest.fixture
async def cleanup(owner: asyncpg.Connection):  # type: ignore[no-untyped-def]
    yield
    await owner.execute("DELETE FROM enterprise WHERE name LIKE '测试登记%'")


async def test_bureau_registers_an_enterprise_with_field_errors_first(
    admin_gz, owner, tenants, cleanup
) -> None:
    park = await owner.fetchrow(
        "SELECT id, district_code FROM park WHERE tenant_id = $1 ORDER BY id LIMIT 1", tenants["guangzhou"]
    )
    bad = await admin_gz.post(
        "/z/guangzhou/enterprises/", data={"name": "测试登记甲", "uscc": "91440101MA5CXXXX01"}
    )
    assert bad.status_code == 400 and "统一社会信用代码无效" in bad.text and 'value="测试登记甲"' in bad.text
    code = with_check("91440101MA5CTE1T0")
    other_district = await owner.fetchval(
        "SELECT d->>'code' FROM tenant, jsonb_array_elements(districts) d WHERE slug = 'guangzhou' AND d->>'code' <> $1 LIMIT 1",
        park["district_code"],
    )
    mismatch = await admin_gz.post(
        "/z/guangzhou/enterprises/",
        data={
            "name": "测试登记甲",
            "uscc": code,
            "park_id": str(park["id"]),
            "district_code": other_district,
        },
    )
    assert mismatch.status_code == 400 and "其他行政区" in mismatch.text
    created = await admin_gz.post(
        "/z/guangzhou/enterprises/",
        data={"name": "测试登记甲", "uscc": code.lower(), "park_id": str(park["id"])},
        follow_redirects=False,
    )
    assert created.status_code == 303
    row = await owner.fetchrow(
        "SELECT id, uscc, district_code, park FROM enterprise WHERE name = '测试登记甲'"
    )
    assert row["uscc"] == code and row["district_code"] == park["district_code"] and row["park"] == park["id"]
    assert created.headers["location"] == f"/z/guangzhou/enterprises/{row['id']}"
    duplicate = await admin_gz.post(
        "/z/guangzhou/enterprises/", data={"name": "测试登记乙", "uscc": code, "park_id": str(park["id"])}
    )
    assert duplicate.status_code == 400 and "已在本综试区登记" in duplicate.text
    assert (
        await owner.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'enterprise.created' AND object_id = $1",
            str(row["id"]),
        )
        == 1
    )


async def test_search_and_htmx_fragment(admin_gz, owner, tenants) -> None:
    name = await owner.fetchval(
        "SELECT name FROM enterprise WHERE tenant_id = $1 ORDER BY id LIMIT 1", tenants["guangzhou"]
    )
    page = await admin_gz.get("/z/guangzhou/enterprises/", params={"q": name[:6]})
    assert name in page.text and "<html" in page.text
    fragment = await admin_gz.get(
        "/z/guangzhou/enterprises/", params={"q": "不存在的企业"}, headers={"HX-Request": "true"}
    )
    assert "<html" not in fragment.text and "未找到企业" in fragment.text


async def test_lists_follow_the_acting_scope(as_user, owner, tenants) -> None:
    rows = await owner.fetch(
        "SELECT id, name, park FROM enterprise WHERE tenant_id = $1 ORDER BY id", tenants["guangzhou"]
    )
    mine = await owner.fetchval(
        'SELECT m.enterprise FROM membership m JOIN pz_user u ON u.id = m."user" WHERE u.email = $1',
        demo("enterprise", "guangzhou"),
    )
    async with as_user(demo("enterprise", "guangzhou")) as client:
        page = await client.get("/z/guangzhou/enterprises/")
        assert all((r["name"] in page.text) == (r["id"] == mine) for r in rows)
        assert "登记企业" not in page.text  # only the bureau registers
        refused = await client.post(
            "/z/guangzhou/enterprises/", data={"name": "测试登记丙", "uscc": with_check("91440101MA5CTE1T1")}
        )
        assert refused.status_code == 403
