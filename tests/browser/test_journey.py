"""A real browser (Debian Chromium through Playwright) against a real server process."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect
from tests.browser.pages import sign_in
from tests.support import PASSWORD, demo


def test_landing_sign_in_tenant_home_english(server: str, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(server + "/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", level=1)).to_have_text("跨境电子商务综合试验区")

    page.get_by_role("link", name="广州").click()  # members only: the sign-in form, then back here
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("电子邮箱").fill(demo("admin", "guangzhou"))
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(server + "/z/guangzhou/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("中国（广州）跨境电子商务综合试验区")
    # exact: the workspace may also list work about an enterprise named after the park
    expect(page.get_by_role("link", name="广州白云机场综合保税区", exact=True)).to_be_visible()
    expect(page.get_by_text("商务局管理员")).to_be_visible()

    page.get_by_role("button", name="English").click()
    expect(page).to_have_url(server + "/z/guangzhou/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Parks and zones")).to_be_visible()
    expect(
        page.get_by_role("link", name="Guangzhou Baiyun Airport Comprehensive Bonded Zone", exact=True)
    ).to_be_visible()

    page.goto(server + "/")  # the choice persists across pages (a city's member has no menu link here:
    expect(page.locator("html")).to_have_attribute("lang", "en")  # every other city would refuse it)
    expect(page.get_by_role("heading", name="Foshan")).to_be_visible()
    expect(page.get_by_role("link", name="Foshan")).to_have_count(0)

    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.get_by_role("button", name="退出").click()
    page.goto(server + "/z/guangzhou/")
    expect(page).to_have_url(re.compile(r"/login"))
    page.close()


def test_foshan_enterprise_user_is_refused_in_guangzhou(server: str, browser: Browser) -> None:
    page = browser.new_page()
    sign_in(page, server, demo("enterprise", "foshan"))
    expect(page).to_have_url(server + "/z/foshan/")
    response = page.goto(server + "/z/guangzhou/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("您无权访问此页面")
    expect(page.get_by_role("alert")).to_contain_text("您的账号在本综试区没有角色")
    expect(page.get_by_role("link", name="前往您所属的综试区")).to_have_attribute("href", "/z/foshan/")
    assert "广州白云机场综合保税区" not in page.content()
    page.close()


def test_htmx_search_swaps_the_table(server: str, browser: Browser) -> None:
    page = browser.new_page()
    sign_in(page, server, demo("reviewer", "guangzhou"), "/z/guangzhou/parks/")
    expect(page).to_have_url(server + "/z/guangzhou/parks/")
    page.wait_for_function("typeof htmx === 'object'", timeout=5000)  # from static/vendor (npm)
    page.get_by_label("按名称搜索").fill("皮革")
    expect(page.locator("#parks tbody tr")).to_have_count(1)
    expect(page.locator("#parks")).to_contain_text("花都皮革皮具市场")
    assert "q=" in page.url  # data-hx-push-url keeps the address shareable
    page.close()
