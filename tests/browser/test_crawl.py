"""Issue 13, items 2 and 8: every page a demo role may open (derived from the route table and the
routes' guards) is reached from its workspace by links alone, and every page crawled reads well on a
phone: no sideways scroll at 390 px, no serious or critical axe-core violation, no raw code in the
zh-CN text, and valid HTML (the Nu checker, once over every page saved)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser
from tests.browser.crawling import (
    WIDTH,
    arrange,
    check,
    coded_values,
    crawl,
    expected,
    nu_errors,
    routes,
    tidy,
)
from tests.browser.pages import sign_in
from tests.support import ROOT, demo

# (demo account, role, provincial)
ROLES = (
    (demo("admin", "guangzhou"), "bureau_admin", False),
    (demo("reviewer", "guangzhou"), "bureau_reviewer", False),
    (demo("district", "guangzhou"), "district_reviewer", False),
    (demo("park", "guangzhou"), "park_operator", False),
    (demo("enterprise", "guangzhou"), "enterprise_user", False),
    (demo("province-admin"), "province_admin", True),
    (demo("province-viewer"), "province_viewer", True),
)


@pytest.fixture
def arranged(owner_dsn: str) -> Iterator[None]:
    """The objects the demo lacks yet (``crawling.arrange``), removed afterwards."""
    with ThreadPoolExecutor(max_workers=1) as pool:  # its own event loop, beside Playwright's
        made = pool.submit(asyncio.run, arrange(owner_dsn)).result(timeout=120)
    yield
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, tidy(owner_dsn, made)).result(timeout=60)


def test_every_role_reaches_its_pages_by_links_and_they_read_well(
    server: str, browser: Browser, tmp_path: Path, arranged: None
) -> None:
    from pilotzone.app import create_app

    table = routes(create_app())
    codes = coded_values()
    missing: dict[str, list[str]] = {}
    problems: list[str] = []
    axed: set[str] = set()
    started = time.monotonic()
    for email, role, province in ROLES:
        context = browser.new_context(
            viewport={"width": WIDTH, "height": 844}, bypass_csp=True
        )  # to inject axe
        page = context.new_page()
        sign_in(page, server, email)
        start = urlsplit(page.url).path
        result = crawl(page, server, start, table, codes, tmp_path, role, axed)
        context.close()
        problems.extend(result.problems)
        print(role, result.opened, "pages", round(time.monotonic() - started), "s")
        lacking = sorted(set(expected(table, role, province)) - set(result.reached))
        if lacking:
            missing[role] = lacking
    assert missing == {}, f"pages a role may open but reaches by no link: {missing}"
    assert problems == [], "\n".join(problems)
    files = sorted(tmp_path.glob("*.html"))
    assert len(files) > 50
    assert nu_errors(files) == []


def test_the_menu_collapses_at_narrow_widths_and_opens_without_script(server: str, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "/z/guangzhou/notices/")  # a public page: the visitor's menu
    notices = page.locator("details.menu nav").get_by_role("link", name="扶持资金公示")
    assert notices.is_visible()  # wide: the groups show, no disclosure to open
    assert not page.locator("details.menu > summary").is_visible()
    page.set_viewport_size({"width": 360, "height": 800})
    assert not notices.is_visible()  # narrow: behind "菜单"
    page.locator("details.menu > summary").click()
    assert notices.is_visible()
    box = notices.bounding_box()
    assert box is not None and box["width"] > 4 * 14  # the text on one line, not one character per line
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()


def test_the_page_checks_bite(server: str, browser: Browser) -> None:
    """A wide element, an image without a text and a raw state are each reported."""
    context = browser.new_context(viewport={"width": WIDTH, "height": 844}, bypass_csp=True)
    page = context.new_page()
    page.goto(server + "/z/guangzhou/notices/")
    axe_source = (ROOT / "node_modules/axe-core/axe.min.js").read_text(encoding="utf-8")
    assert check(page, axe_source, coded_values(), "notices") == []
    page.evaluate(
        """document.querySelector('main').insertAdjacentHTML('beforeend',
           '<p>状态：in_review</p><img src="/static/none.png"><div class="probe-wide"></div>');
           Object.assign(document.querySelector('.probe-wide').style, {width: '500px', height: '1em'});"""
    )
    found = check(page, axe_source, coded_values(), "notices")
    context.close()
    assert any("px wide at 390 px" in p for p in found), found
    assert any(p.startswith("axe image-alt") for p in found), found
    assert "raw codes ['in_review']" in found, found
