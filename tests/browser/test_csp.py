"""Item 15 in a real browser: every page kind runs under the strict CSP with no violation (console
messages and ``securitypolicyviolation`` events), HTMX swaps included; and the policy does bite."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect
from tests.browser.pages import refresh_rollups, scroll_to, sign_in
from tests.support import demo

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sourceFile || ''));
});
"""


def _watched(browser: Browser) -> tuple[Page, list[str]]:
    context = browser.new_context()
    context.add_init_script(WATCH)
    page = context.new_page()
    console: list[str] = []
    page.on(
        "console",
        lambda m: (
            console.append(m.text) if "Content Security Policy" in m.text or "Refused to" in m.text else None
        ),
    )
    return page, console


def _violations(page: Page, console: list[str]) -> list[str]:
    return [*console, *page.evaluate("window.__csp || []")]


def test_pages_run_without_csp_violations(server: str, browser: Browser) -> None:
    refresh_rollups()
    page, console = _watched(browser)
    seen: dict[str, list[str]] = {}

    response = page.goto(server + "/login")
    assert response is not None and "frame-ancestors 'none'" in response.headers["content-security-policy"]
    seen["login"] = _violations(page, console)
    sign_in(page, server, demo("admin", "guangzhou"))
    expect(page).to_have_url(server + "/z/guangzhou/")
    seen["tenant home"] = _violations(page, console)
    # the tenant colour comes from /theme.css, not an inline style
    assert page.evaluate(
        "[...document.styleSheets].some(s => (s.href || '').endsWith('/theme.css') && s.cssRules.length > 0)"
    )

    page.goto(server + "/z/guangzhou/parks/")  # a form with an HTMX search (swap + pushed URL)
    page.locator("#q").fill("园")
    expect(page).to_have_url(re.compile(r"q=%E5%9B%AD|q=园"))
    seen["parks search (htmx)"] = _violations(page, console)

    page.goto(server + "/z/guangzhou/admin/audit")  # a filter form swapped by HTMX on change
    page.locator("form.search select").first.select_option(index=1)
    page.wait_for_load_state("networkidle")
    seen["audit filter (htmx)"] = _violations(page, console)

    page.goto(server + "/z/guangzhou/dashboard/")  # server-side SVG charts, sections loaded on reveal
    expect(page.locator("svg[role=img]").first).to_be_visible()
    scroll_to(page, "trend-section")
    page.wait_for_load_state("networkidle")
    seen["city dashboard"] = _violations(page, console)
    page.context.close()

    page, console = _watched(browser)
    sign_in(page, server, demo("province-viewer"), "/province/")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    scroll_to(page, "trend-section")
    expect(page.locator("#trend-table tfoot th")).to_have_text("合计")
    page.locator("#main-table thead a[data-sort=enterprises]").click()
    expect(page).to_have_url(re.compile(r"sort=enterprises"))
    seen["province dashboard"] = _violations(page, console)

    assert {k: v for k, v in seen.items() if v} == {}
    # the watch works: an inline style attribute is refused and reported
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p id=probe style=\"color: red\">x</p>')")
    page.wait_for_function("window.__csp.length > 0")
    assert any("style-src" in v for v in _violations(page, console))
    page.context.close()
