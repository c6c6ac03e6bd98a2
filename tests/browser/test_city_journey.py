"""A province admin adds a pilot-zone city in a real browser: picks the prefecture, the districts of the
GB/T 2260 dataset appear (HTMX), all ticked, one is unticked, the form is sent; the city is listed and
the invitation link of its first bureau admin is shown. The invitation is mailed (a real SMTP server,
aiosmtpd): the first admin opens the link from the mail, sets a password and lands in the new city."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import asyncpg
import pytest
from playwright.sync_api import Browser, expect
from tests.browser.pages import mail_to, sign_in
from tests.integration.tenancy.cities_support import remove_city
from tests.support import demo, serve


@pytest.fixture(scope="module")
def server(mail_sink: Any) -> Iterator[str]:
    """This module's server mails through the sink."""
    yield from serve({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(mail_sink.port)})


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


def test_province_admin_adds_a_city(browser: Browser, server: str, owner_dsn: str, mail_sink: Any) -> None:
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
        admin.get_by_label("名称（中文）", exact=True).fill("珠海演示")
        admin.get_by_label("名称（英文）", exact=True).fill("Zhuhai Demo")
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

        # the first admin follows the link of the invitation mail (its address is PUBLIC_URL's: the path counts)
        mailed = re.search(r"/z/[\w-]+/invite/[\w-]+", mail_to(mail_sink.directory, email))
        assert mailed is not None and invitation.endswith(mailed.group(0))
        first = browser.new_context(locale="zh-CN").new_page()
        first.goto(server + mailed.group(0))
        first.locator("#display_name").fill("珠海管理员")
        first.locator("#password").fill("city-journey-password-2026")
        first.get_by_role("button", name="接受").click()
        expect(first).not_to_have_url(server + mailed.group(0))
        first.goto(server + f"/z/{slug}/")
        expect(first.locator("body")).to_contain_text("珠海演示")
        expect(first.locator("body")).to_contain_text("珠海管理员 · 商务局管理员")
    finally:
        _owner(owner_dsn, lambda c: remove_city(c, slug))


def test_public_policy_pages_fit_a_phone(browser: Browser, server: str) -> None:
    """Signed out at 390 px: the policy pages, an estimate and the certificate lookup scroll no sideways."""
    page = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 800}).new_page()
    for path in (
        "/z/guangzhou/policies/",
        "/z/guangzhou/policies/programs/export-reward?exports=8000&last_year_exports=6000",
        "/z/guangzhou/policies/schemes/overseas-warehouse",
        "/verify/",
    ):
        page.goto(server + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    page.goto(server + "/z/guangzhou/policies/")
    page.get_by_role("link", name="跨境电商出口业绩奖励").click()
    page.get_by_label("当年跨境电商出口额（万元）").fill("8000")
    page.get_by_label("上年跨境电商出口额（万元）").fill("6000")
    page.get_by_role("button", name="预估").click()
    expect(page.locator("[data-estimate]")).to_contain_text("预计金额")
