"""Talent registry: resident ID check character, masking, registration, acceptance, scope."""

from __future__ import annotations

import asyncpg
import pytest
from tests import factories
from tests.support import demo

from pilotzone.registry.talents import id_check_char, id_is_valid, mask_id

GZ = "/z/guangzhou/talents/"


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


async def test_bureau_registration_validates_the_id_number(
    admin_gz, owner, tenants, cleanup, scoped_enterprises
) -> None:
    mine, _ = scoped_enterprises
    number = factories.new_resident_id()
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
    as_user, admin_gz, owner, cleanup, scoped_enterprises
) -> None:
    mine, other = scoped_enterprises
    number = factories.new_resident_id()
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
    as_user, cleanup, local, full, scoped_enterprises
) -> None:
    mine, _ = scoped_enterprises
    number = factories.new_resident_id()
    tid = (await factories.talent("guangzhou", mine, name="测试人才丁", id_number=number)).id
    async with as_user(demo(local, "guangzhou")) as client:
        for page in (await client.get(GZ), await client.get(f"{GZ}{tid}")):
            assert page.status_code == 200 and "测试人才丁" in page.text
            assert (number in page.text) == full
            assert (mask_id(number) in page.text) == (not full)


@pytest.mark.parametrize("local", ["enterprise", "park", "district"])
async def test_lists_and_pages_follow_the_acting_scope(as_user, cleanup, local, scoped_enterprises) -> None:
    mine, other = scoped_enterprises
    inside = (await factories.talent("guangzhou", mine, name="测试人才-范围内")).id
    outside = (await factories.talent("guangzhou", other, name="测试人才-范围外")).id
    async with as_user(demo(local, "guangzhou")) as client:
        page = await client.get(GZ)
        assert "测试人才-范围内" in page.text and "测试人才-范围外" not in page.text
        assert (await client.get(f"{GZ}{inside}")).status_code == 200
        assert (await client.get(f"{GZ}{outside}")).status_code == 404


async def test_another_tenants_admin_is_refused(admin_fs, cleanup, scoped_enterprises) -> None:
    _, other = scoped_enterprises
    tid = (await factories.talent("guangzhou", other, name="测试人才戊")).id
    assert (await admin_fs.get(GZ)).status_code == 403
    assert (await admin_fs.get(f"{GZ}{tid}")).status_code == 403
    assert (await admin_fs.get(f"/z/foshan/talents/{tid}")).status_code == 404
    assert (await admin_fs.post(f"/z/foshan/talents/{tid}/accept", follow_redirects=False)).status_code == 404
    listed = await admin_fs.get("/z/foshan/talents/")
    assert listed.status_code == 200 and "测试人才戊" not in listed.text
