"""Program pages for members (the builder for bureau admins: test_builder.py)."""

from __future__ import annotations

from tests.support import demo


async def test_list_and_detail_for_members(as_user) -> None:
    async with as_user(demo("enterprise", "guangzhou")) as client:
        index = await client.get("/z/guangzhou/programs/")
        assert index.status_code == 200
        assert "跨境电商出口业绩奖励" in index.text and "公共海外仓建设资金支持" in index.text
        assert 'href="/z/guangzhou/programs/"' in index.text  # in the navigation
        assert "/programs/new" not in index.text  # only bureau admins edit
        detail = await client.get("/z/guangzhou/programs/warehouse-construction")
        assert detail.status_code == 200
        for text in (
            "示例参数 / example parameters",
            "min(〔建设实际投入〕 * 〔share = 0.3〕, 2_000_000)",  # the formula with labels
            "min(cost * share, 2_000_000)",
            "仓储面积不少于 2000 平方米",
            "10,000,000.00 元",  # the round's budget, with separators and unit
            "2026-03-01 – 2026-10-31",
            "按评分排序",
            "2,000,000.00 元",  # the cap
        ):
            assert text in detail.text, text
        assert "/edit" not in detail.text
        assert (await client.get("/z/guangzhou/programs/no-such")).status_code == 404
        assert (await client.get("/z/guangzhou/programs/new")).status_code == 403
        assert (await client.get("/z/guangzhou/programs/export-reward/edit")).status_code == 403


async def test_another_tenant_does_not_see_the_program(admin_fs) -> None:
    page = await admin_fs.get("/z/foshan/programs/freight-route")
    assert page.status_code == 404  # shantou has it, foshan does not
    assert (await admin_fs.get("/z/guangzhou/programs/")).status_code in (403, 404)
