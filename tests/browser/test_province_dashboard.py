"""The province dashboard in a real browser: a province viewer opens it, sorts by a column (HTMX swap,
URL pushed), drills down to a city's dashboard and to the list behind a number, downloads the XLSX;
a city bureau admin opening /province/ is refused."""

from __future__ import annotations

import io
import re

import openpyxl
from playwright.sync_api import Browser, expect
from tests.browser.pages import refresh_rollups, scroll_to, sign_in
from tests.support import demo


def test_province_viewer_sorts_drills_down_and_downloads(server: str, browser: Browser) -> None:
    refresh_rollups()
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    sign_in(page, server, demo("province-viewer"), "/province/")
    expect(page).to_have_url(server + "/province/")
    expect(page.get_by_role("heading", level=1)).to_have_text("全省概览")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    expect(page.locator("#refreshed time").first).to_be_visible()  # the time of the last refresh
    # the secondary tables load on their own when scrolled into view (HTMX), with their exports
    scroll_to(page, "trend-section")
    expect(page.locator("#trend-table tfoot th")).to_have_text("合计")
    expect(page.locator("#trend-section [data-export=trend-xlsx]")).to_be_visible()
    scroll_to(page, "overview-main")

    # sort by enterprises: the table is swapped in place and the URL pushed
    page.locator("#main-table thead a[data-sort=enterprises]").click()
    expect(page).to_have_url(re.compile(r"sort=enterprises&dir=desc"))
    expect(page.locator("#main-table thead th[aria-sort=descending]")).to_contain_text("企业")
    values = [int(v) for v in page.locator("#main-table tbody tr td:nth-child(4)").all_inner_texts()]
    assert values == sorted(values, reverse=True)
    page.locator("#main-table thead a[data-sort=enterprises]").click()
    expect(page).to_have_url(re.compile(r"sort=enterprises&dir=asc"))
    expect(page.locator("#main-table thead th[aria-sort=ascending]")).to_be_visible()

    # download the XLSX of the main table: exactly the numbers shown
    shown = page.locator("#main-table tbody tr td:nth-child(4)").all_inner_texts()
    with page.expect_download() as download:
        page.locator("[data-export=main-xlsx]").click()
    path = download.value.path()
    sheet = openpyxl.load_workbook(io.BytesIO(open(path, "rb").read())).active  # noqa: SIM115
    rows = list(sheet.iter_rows(values_only=True))
    assert [str(r[3]) for r in rows[1:-1]] == shown and rows[-1][0] == "合计"

    # drill down to the list behind Guangzhou's enterprise count
    row = page.locator("#main-table tbody tr", has=page.locator("th", has_text="广州"))
    count = row.locator("td").nth(2).inner_text()
    row.locator("td").nth(2).get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/province/list\?.*metric=enterprises"))
    expect(page.get_by_role("heading", level=1)).to_have_text("企业")
    expect(page.get_by_text(f"共 {count} 条")).to_be_visible()

    # and to the city's own dashboard
    page.get_by_role("link", name="该综试区统计看板").click()
    expect(page).to_have_url(re.compile(r"/z/guangzhou/dashboard"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("统计看板")
    context.close()


def test_bureau_admin_is_refused_the_province_dashboard(server: str, browser: Browser) -> None:
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, server, demo("admin", "guangzhou"))
    response = page.goto(server + "/province/")
    assert response is not None and response.status == 403
    own = page.goto(server + "/z/guangzhou/dashboard/")
    assert own is not None and own.status == 200
    expect(page.get_by_role("heading", level=1)).to_contain_text("统计看板")
    context.close()
