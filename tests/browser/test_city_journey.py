"""A province admin adds a pilot-zone city in a real browser: picks the prefecture, the districts of the
GB/T 2260 dataset appear (HTMX), all ticked, one is unticked, the form is sent; the city is listed,
the invitation link of its first bureau admin is shown, and that admin accepts it and lands in the city."""

from __future__ import annotations

import asyncio
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import asyncpg
from playwright.sync_api import Browser, expect
from tests.browser.pages import sign_in
from tests.integration.tenancy.cities_support import remove_city
from tests.support import demo


def _owner(owner_dsn: str, work: Any) -> Any:
    """``await work(conn)`` as the owner, on its own loop in a worker thread (sync Playwright keeps an
    event loop running in this thread)."""

    async def run() -> Any:
        conn = await asyncpg.connect(owner_dsn)
        try:
            return await work(conn)
        finally:
            await conn.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run()).result(timeout=30)


def test_province_admin_adds_a_city(browser: Browser, server: str, owner_dsn: str) -> None:
    slug = f"zh{uuid.uuid4().hex[:6]}"
    email = f"city-{slug}@example.cn"
    admin = browser.new_context(locale="zh-CN").new_page()
    try:
        sign_in(admin, server, demo("province-admin"), "/province/tenants/")
        expect(admin.locator("tr[data-city]")).to_have_count(21)
        admin.get_by_label("城市（GB/T 2260 地级行政区划代码）").select_option("440400")
        districts = admin.locator("#city-districts input[type=checkbox]")
        expect(districts).to_have_count(3)  # HTMX listed 珠海市's districts
        expect(admin.locator("#city-districts")).to_contain_text("香洲区")
        expect(admin.get_by_label("斗门区")).to_be_checked()  # every district ticked to start with
        admin.get_by_label("金湾区").uncheck()
        admin.get_by_label("简称（拼音，用于网址 /z/…）").fill(slug)
        admin.get_by_label("名称（中文）").fill("珠海演示")
        admin.get_by_label("名称（英文）").fill("Zhuhai Demo")
        admin.get_by_label("商务局名称（中文）").fill("珠海演示商务局")
        admin.get_by_label("商务局名称（英文）").fill("Zhuhai Demo Bureau of Commerce")
        admin.get_by_label("首位商务局管理员的电子邮箱").fill(email)
        admin.get_by_role("button", name="创建综试区并邀请其管理员").click()
        expect(admin.get_by_role("status")).to_contain_text(slug)
        invitation = admin.locator("code[data-invitation]").inner_text().strip()
        assert f"/z/{slug}/invite/" in invitation
        expect(admin.locator(f'tr[data-city="{slug}"]')).to_contain_text("珠海演示")
        admin.goto(server + "/province/tenants/")
        expect(admin.locator(f'tr[data-city="{slug}"]')).to_contain_text("已邀请首位管理员")
        stored = _owner(owner_dsn, lambda c: c.fetchval("SELECT districts FROM tenant WHERE slug = $1", slug))
        assert [d["code"] for d in json.loads(stored)] == ["440402", "440403"]  # 金湾区 left unticked

        first = browser.new_context(locale="zh-CN").new_page()
        first.goto(invitation)
        first.locator("#display_name").fill("珠海管理员")
        first.locator("#password").fill("city-journey-password-2026")
        first.get_by_role("button", name="接受").click()
        expect(first).not_to_have_url(invitation)
        first.goto(server + f"/z/{slug}/")
        expect(first.locator("body")).to_contain_text("珠海演示")
        expect(first.locator("body")).to_contain_text("珠海管理员 · 商务局管理员")
    finally:
        _owner(owner_dsn, lambda c: remove_city(c, slug))
