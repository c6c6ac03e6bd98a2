"""A real browser (Debian Chromium through Playwright) against a real server process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, expect, sync_playwright
from tests.conftest import PASSWORD, demo

from pilotzone.embedded import free_port

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "pilotzone.cli", "serve", "--no-setup", "--port", str(port)],
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("server did not start: " + process.stdout.read().decode(errors="replace")[-2000:])
    yield url
    process.terminate()
    process.wait(timeout=15)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def sign_in(page, server: str, email: str, next_path: str = "") -> None:  # type: ignore[no-untyped-def]
    page.goto(server + "/login" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("电子邮箱").fill(email)
    page.get_by_label("密码").fill(PASSWORD)
    with page.expect_response(lambda r: r.url.endswith("/login") and r.request.method == "POST") as posted:
        page.get_by_role("button", name="登录").click()
    if posted.value.status != 303:  # say why, instead of a bare URL mismatch later
        pytest.fail(
            f"sign-in as {email}: {posted.value.status} {page.locator('[role=alert]').all_inner_texts()}"
        )
    page.wait_for_url(lambda url: "/login" not in url)


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
    expect(page.get_by_role("link", name="广州白云机场综合保税区")).to_be_visible()
    expect(page.get_by_text("商务局管理员")).to_be_visible()

    page.get_by_role("button", name="English").click()
    expect(page).to_have_url(server + "/z/guangzhou/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Parks and zones")).to_be_visible()
    expect(
        page.get_by_role("link", name="Guangzhou Baiyun Airport Comprehensive Bonded Zone")
    ).to_be_visible()

    page.get_by_role("link", name="All pilot zones").click()  # the choice persists across pages
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Foshan")).to_be_visible()

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
