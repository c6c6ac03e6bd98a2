"""Search and filters in a real browser at 390 px: the filter form swaps the list in place with htmx
and puts the filter in the address (the page is not reloaded), the pages' content and the header's
search box stay within the viewport,
and the header's search box leads to an enterprise's file (一企一档)."""

from __future__ import annotations

from playwright.sync_api import Browser
from tests.browser.pages import sign_in
from tests.support import demo

# the widest right edge of the page's own content and of the header's search box (the navigation bar is
# the layout's, issue 13 item 8); a table scrolls inside its ``.table-wrap``, which must fit
WIDEST = """() => Math.max(...[...document.querySelectorAll('main, main *, .header-search, .header-search *')]
  .filter((el) => !el.parentElement.closest('.table-wrap'))
  .map((el) => Math.round(el.getBoundingClientRect().right)))"""
LISTS = (
    "/z/guangzhou/applications/",
    "/z/guangzhou/funding/applications/",
    "/z/guangzhou/certificates/",
    "/z/guangzhou/funding/awards",
    "/z/guangzhou/funding/payments",
    "/z/guangzhou/reviews/",
    "/z/guangzhou/funding/reviews",
    "/z/guangzhou/search?q=示范",
)


def test_filters_swap_in_place_and_the_header_search_opens_a_file(server: str, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, server, demo("admin", "guangzhou"))
    for path in LISTS:
        page.goto(server + path)
        width = page.evaluate(WIDEST)
        assert width <= 390, f"{path} is {width} px wide"

    page.goto(server + "/z/guangzhou/applications/")
    page.evaluate("window.__kept = 'same page'")
    page.locator("#af-state").select_option("in_review")
    with page.expect_response(lambda r: "state=in_review" in r.url and r.request.headers.get("hx-request") == "true"):
        page.get_by_role("button", name="筛选", exact=True).click()
    page.wait_for_url(lambda url: "state=in_review" in url)
    assert page.evaluate("window.__kept") == "same page"  # swapped by htmx, not reloaded
    assert page.locator("#af-state").input_value() == "in_review"
    page.get_by_role("link", name="清除筛选").click()
    page.wait_for_url(lambda url: "state=" not in url)

    page.locator("#header-q").fill("示范跨境电商企业")
    page.locator("#header-q").press("Enter")
    page.wait_for_url(lambda url: "/search?" in url)
    page.locator("table a").first.click()
    page.wait_for_url(lambda url: "/dossier/enterprises/" in url)
    assert "档案" in page.locator("h1").inner_text()
    width = page.evaluate(WIDEST)
    assert width <= 390, f"the file is {width} px wide"
    context.close()
