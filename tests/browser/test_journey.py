"""A real browser (Debian Chromium through Playwright) against a real server process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, expect, sync_playwright

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


def test_landing_to_tenant_home_to_english(server: str, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(server + "/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", level=1)).to_have_text("跨境电子商务综合试验区")

    page.get_by_role("link", name="广州").click()
    expect(page).to_have_url(server + "/z/guangzhou/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("中国（广州）跨境电子商务综合试验区")
    expect(page.get_by_role("link", name="广州白云机场综合保税区")).to_be_visible()

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
    page.close()


def test_htmx_search_swaps_the_table(server: str, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(server + "/z/guangzhou/parks/")
    assert page.evaluate("typeof htmx") == "object", "htmx must load from static/vendor"
    page.get_by_label("按名称搜索").fill("皮革")
    expect(page.locator("#parks tbody tr")).to_have_count(1)
    expect(page.locator("#parks")).to_contain_text("花都皮革皮具市场")
    assert "q=" in page.url  # hx-push-url keeps the address shareable
    page.close()
