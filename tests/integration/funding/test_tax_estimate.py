"""The 4 % deemed-profit income tax estimate: in foshan (and shantou, which has no demo accounts), not in
guangzhou; steps shown, field error keeps what was typed."""

from __future__ import annotations

from tests.support import demo


async def test_estimate_for_shantou_and_foshan_only(as_user) -> None:
    async with as_user(demo("enterprise", "foshan")) as client:
        page = await client.get("/z/foshan/funding/tax-estimate/?revenue=1234567.89")
        assert page.status_code == 200
        # 1234567.89 × 4% = 49382.7156 → 49382.72; × 25% = 12345.68
        assert '<strong id="tax">12345.68</strong>' in page.text and "49382.72" in page.text
        assert "应税所得率 4%" in page.text
        bad = await client.get("/z/foshan/funding/tax-estimate/?revenue=abc")
        assert bad.status_code == 400 and 'aria-invalid="true"' in bad.text and 'value="abc"' in bad.text
    async with as_user(demo("enterprise", "guangzhou")) as client:
        assert (await client.get("/z/guangzhou/funding/tax-estimate/")).status_code == 404
