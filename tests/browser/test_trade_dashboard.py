"""The trade section of a city's dashboard in a real browser on a phone (390 px): the demo's official
figures by mode and direction with their chart, the sections that load when scrolled into view, a
number's drill-down list — and no sideways scroll."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect
from tests.browser.pages import refresh_rollups, scroll_to, sign_in
from tests.support import demo


def test_trade_section_on_a_phone(server: str, browser: Browser) -> None:
    refresh_rollups()
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, server, demo("admin", "guangzhou"), "/z/guangzhou/dashboard/")
    expect(page).to_have_url(re.compile(r"/z/guangzhou/dashboard/"))
    section = page.locator("#trade")
    section.scroll_into_view_if_needed()
    expect(section.get_by_role("heading", level=2)).to_have_text("跨境电商贸易统计")
    expect(section.locator("svg[role=img]").first).to_be_visible()
    row = page.locator("#trade_modes-table tbody tr", has=page.locator("th", has_text="跨境电商零售（9610）"))
    expect(row.first).to_contain_text("出口")
    expect(page.locator("#trade_modes-table tfoot th")).to_have_text("合计")
    # the trend (with year on year) and the top lists load on their own when scrolled into view
    for key in ("trade_trend", "trade_countries", "trade_enterprises", "trade_compliance"):
        scroll_to(page, f"{key}-section")
        expect(page.locator(f"#{key}-table tfoot th")).to_be_visible()
    expect(page.locator("#trade_countries-table tbody")).to_contain_text("美国 (US)")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # a number opens the list behind it
    page.locator("#trade_modes-table tbody tr td a").first.click()
    expect(page).to_have_url(re.compile(r"/z/guangzhou/dashboard/list\?.*metric=trade_value"))
    expect(page.locator("#list-table tbody tr").first).to_contain_text("元")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
