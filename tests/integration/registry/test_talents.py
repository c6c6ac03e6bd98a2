"""Talent registry: resident ID check character, masking, registration, acceptance, scope."""

from __future__ import annotations

import random

import asyncpg
import pytest
from tests.conftest import demo

from pilotzone.registry.talents import id_check_char, id_is_valid, mask_id

GZ = "/z/guangzhou/talents/"


def new_id() -> str:
    first17 = f"440105{random.randint(1960, 2000)}0101{random.randint(0, 999):03d}"  # noqa: S311
    return first17 + id_check_char(first17)


def test_resident_id_check_character() -> None:
    assert id_is_valid("11010519491231002X")  # the standard's example
    assert id_is_valid("11010519491231002x")
    assert not id_is_valid("110105194912310021")  # wrong check character
    assert not id_is_valid("11010519491231002")  # 17 characters
    assert not id_is_valid("1101051949123100AX")  # letters in the body
    assert id_check_char("44052418800101001") == "4"  # 440524188001010014
    assert mask_id("11010519491231002X") == "1101**********002X"


@pytest.fixture
async def cleanup(owner: asyncpg.Connection):  # type: ignore[no-untyped-def]
    yield
    await owner.execute("DELETE FROM talent WHERE name LIKE '测试人才%'")


async def _enterprises(owner: asyncpg.Connection, tenants: dict) -> tuple[int, int]:
    mine = await owner.fetchval(
        'SELECT m.enterprise FROM membership m JOIN pz_user u ON u.id = m."user" WHERE u.email = $1',
        demo("enterprise", "guangzhou"),
    )
    first = await owner.fetchrow("SELECT park, district_code FROM enterprise WHERE id = $1", mine)
    other = await owner.fetchval(
        "SELECT id FROM enterprise WHERE tenant_id = $1 AND park <> $2 AND district_code <> $3 ORDER BY id LIMIT 1",
        tenants["guangzhou"],
        first["park"],
        first["district_code"],
    )
    assert other is not None
    return mine, other


async def _insert(owner: asyncpg.Connection, tenant_id: int, employer: int, name: str, number: str) -> int:
    return await owner.fetchval(
        "INSERT INTO talent (tenant_id, name, id_number, employer, category, status) "
        "VALUES ($1, $2, $3, $4, 'high_skill', 'active') RETURNING id",
        tenant_id,
        name,
        number,
        employer,
    )


async def test_bureau_registration_validates_the_id_number(admin_gz, owner, tenants, cleanup) -> None:
    mine, _ = await _enterprises(owner, tenants)
    number = new_id()
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    base = {"name": "测试人才甲", "employer_id": str(mine), "category": "leading_talent"}
    bad = await admin_gz.post(GZ, data={**base, "id_number": wrong})
    assert bad.status_code == 400 and "身份证号码无效" in bad.text and 'value="测试人才甲"' in bad.text
    no_category = await admin_gz.post(GZ, data={**base, "id_number": number, "category": "emperor"})
    assert no_category.status_code == 400 and "请选择人才类别" in no_category.text
    created = await admin_gz.post(GZ, data={**base, "id_number": number.lower()}, follow_redirects=False)
    assert created.status_code == 303
    row = await owner.fetchrow(
        "SELECT id, id_number, employer, status, tenant_id FROM talent WHERE name = '测试人才甲'"
    )
    assert row["id_number"] == number.upper() and row["employer"] == mine and row["status"] == "active"
    assert row["tenant_id"] == tenants["guangzhou"] and created.headers["location"] == f"{GZ}{row['id']}"
    duplicate = await admin_gz.post(GZ, data={**base, "name": "测试人才乙", "id_number": number})
    assert duplicate.status_code == 400 and "已在本综试区登记" in duplicate.text
    audit = await owner.fetchval(
        "SELECT after::text FROM audit_log WHERE action = 'talent.created' AND object_id = $1", str(row["id"])
    )
    assert audit is not None and number not in audit and mask_id(number) in audit


async def test_enterprise_registration_is_pending_until_accepted(
    as_user, admin_gz, owner, tenants, cleanup
) -> None:
    mine, other = await _enterprises(owner, tenants)
    number = new_id()
    async with as_user(demo("enterprise", "guangzhou")) as client:
        created = await client.post(
            GZ,
            data={
                "name": "测试人才丙",
                "id_number": number,
                "category": "shortage_occupation",
                "employer_id": str(other),
            },
            follow_redirects=False,
        )
        assert created.status_code == 303
        row = await owner.fetchrow("SELECT id, employer, status FROM talent WHERE name = '测试人才丙'")
        assert row["employer"] == mine and row["status"] == "pending"
        detail = await client.get(f"{GZ}{row['id']}")
        assert "待确认" in detail.text and "紧缺工种" in detail.text
        assert (await client.post(f"{GZ}{row['id']}/accept", follow_redirects=False)).status_code == 403
    accepted = await admin_gz.post(f"{GZ}{row['id']}/accept", follow_redirects=False)
    assert accepted.status_code == 303
    assert await owner.fetchval("SELECT status FROM talent WHERE id = $1", row["id"]) == "active"
    assert (
        await owner.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'talent.accepted' AND object_id = $1",
            str(row["id"]),
        )
        == 1
    )


@pytest.mark.parametrize(
    ("local", "full"),
    [("admin", True), ("reviewer", True), ("district", True), ("park", False), ("enterprise", False)],
)
async def test_id_numbers_are_masked_except_for_reviewers(
    as_user, owner, tenants, cleanup, local, full
) -> None:
    mine, _ = await _enterprises(owner, tenants)
    number = new_id()
    tid = await _insert(owner, tenants["guangzhou"], mine, "测试人才丁", number)
    async with as_user(demo(local, "guangzhou")) as client:
        for page in (await client.get(GZ), await client.get(f"{GZ}{tid}")):
            assert page.status_code == 200 and "测试人才丁" in page.text
            assert (number in page.text) == full
            assert (mask_id(number) in page.text) == (not full)


@pytest.mark.parametrize("local", ["enterprise", "park", "district"])
async def test_lists_and_pages_follow_the_acting_scope(as_user, owner, tenants, cleanup, local) -> None:
    mine, other = await _enterprises(owner, tenants)
    inside = await _insert(owner, tenants["guangzhou"], mine, "测试人才-范围内", new_id())
    outside = await _insert(owner, tenants["guangzhou"], other, "测试人才-范围外", new_id())
    async with as_user(demo(local, "guangzhou")) as client:
        page = await client.get(GZ)
        assert "测试人才-范围内" in page.text and "测试人才-范围外" not in page.text
        assert (await client.get(f"{GZ}{inside}")).status_code == 200
        assert (await client.get(f"{GZ}{outside}")).status_code == 404


async def test_another_tenants_admin_is_refused(admin_fs, owner, tenants, cleanup) -> None:
    _, other = await _enterprises(owner, tenants)
    tid = await _insert(owner, tenants["guangzhou"], other, "测试人才戊", new_id())
    assert (await admin_fs.get(GZ)).status_code == 403
    assert (await admin_fs.get(f"{GZ}{tid}")).status_code == 403
    assert (await admin_fs.get(f"/z/foshan/talents/{tid}")).status_code == 404
    assert (await admin_fs.post(f"/z/foshan/talents/{tid}/accept", follow_redirects=False)).status_code == 404
    listed = await admin_fs.get("/z/foshan/talents/")
    assert listed.status_code == 200 and "测试人才戊" not in listed.text
