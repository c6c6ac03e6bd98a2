"""政策公开: each pilot zone's open programs and schemes are readable signed out, with conditions,
the amount in words (an estimate on typed figures), documents, deadlines and how to apply."""

from __future__ import annotations

from litestar.testing import AsyncTestClient


async def test_policy_pages_are_readable_signed_out(app) -> None:
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as public:
        landing = await public.get("/")
        assert 'href="/z/guangzhou/policies/"' in landing.text
        listing = await public.get("/z/guangzhou/policies/")
        assert listing.status_code == 200
        assert 'data-program="export-reward"' in listing.text and "跨境电商出口业绩奖励" in listing.text
        assert 'data-scheme="overseas-warehouse"' in listing.text
        assert "/z/guangzhou/register/enterprise" in listing.text  # how to apply
        page = await public.get("/z/guangzhou/policies/programs/export-reward")
        assert page.status_code == 200
        for words in ("政策依据", "申报条件", "当年跨境电商出口额", "需上传的材料", "申报时间", "如何申报"):
            assert words in page.text, words
        assert "tier(" in page.text or "〔当年跨境电商出口额〕" in page.text  # the formula with its labels
        estimate = await public.get(
            "/z/guangzhou/policies/programs/export-reward", params={"exports": "8000", "last_year_exports": "6000"}
        )
        assert estimate.status_code == 200 and "data-estimate" in estimate.text
        assert "测算金额" in estimate.text or "预计金额" in estimate.text
        assert "8,000 万元" in estimate.text  # funding's words: the declared figure with its unit
        wrong = await public.get("/z/guangzhou/policies/programs/export-reward", params={"exports": "many"})
        assert 'aria-invalid="true"' in wrong.text and 'id="est-error"' in wrong.text
        scheme = await public.get("/z/guangzhou/policies/schemes/overseas-warehouse")
        assert scheme.status_code == 200 and "公示" in scheme.text and "有效期" in scheme.text
        assert (await public.get("/z/guangzhou/policies/programs/no-such")).status_code == 404
        empty = await public.get("/z/shenzhen/policies/")  # a city without programs says so
        assert empty.status_code == 200 and "尚未公布" in empty.text
        theirs = await public.get("/z/foshan/policies/")  # each city its own (RLS in the tenant's transaction)
        assert "制造企业跨境电商出口业绩奖励" in theirs.text and "跨境电商人才薪酬补贴" in theirs.text
        assert "制造企业跨境电商出口业绩奖励" not in listing.text and "跨境电商人才薪酬补贴" not in listing.text
