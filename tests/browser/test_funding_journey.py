"""The funding journey in a real browser: a bureau admin defines a program in the builder and a round in
the round form, two enterprises apply, a reviewer verifies (correcting one value) and the admin approves the
verification, the round is closed and calculated while the page's progress widget polls itself and
swaps in the results; the admin who started it is told who may approve, the demo's second bureau admin
approves (four eyes), the awards are under public notice, a payment is recorded, the enterprise sees its
award, the notice and the payment on its application, and the results download as XLSX."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect
from tests import factories
from tests.browser.pages import sign_in, start_worker, stop_worker
from tests.support import demo

from pilotzone.web.deadlines import tenant_today

GZ = "/z/guangzhou"
T = TypeVar("T")


def _owner(owner_dsn: str, *statements: tuple[str, tuple]) -> list[Any]:
    """Statements as the owner on their own connection and loop, in a worker thread (sync Playwright
    keeps an event loop running in this thread); returns each statement's first value."""

    async def run() -> list[Any]:
        conn = await asyncpg.connect(owner_dsn)
        try:
            return [await conn.fetchval(sql, *args) for sql, args in statements]
        finally:
            await conn.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run()).result(timeout=30)


def _arrange(make: Callable[[], Awaitable[T]]) -> T:
    """Rows made by the factories (``make``) on their own loop in a worker thread, like :func:`_owner`;
    the app's connection pool closes with that loop."""

    async def run() -> T:
        from pilotzone import db

        try:
            return await make()
        finally:
            await db.DB.close_connection_pool()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run()).result(timeout=30)


def _as(browser: Browser, server: str, email: str, path: str) -> Page:
    page = browser.new_context(accept_downloads=True).new_page()
    sign_in(page, server, email, path)
    expect(page).to_have_url(server + path)
    return page


@pytest.fixture
def people(owner_dsn: str) -> Any:
    """An enterprise user of guangzhou's second demo enterprise (the second bureau admin is the demo's)."""
    tag = uuid.uuid4().hex[:8]
    enterprise_user = f"journey-ent-{tag}@demo.pilotzone.cn"
    enterprise, name = _owner(
        owner_dsn,
        ("SELECT min(id) FROM enterprise WHERE name LIKE '%示范跨境电商企业2' AND tenant_id = "
         "(SELECT id FROM tenant WHERE slug = 'guangzhou')", ()),
        ("SELECT name FROM enterprise WHERE id = (SELECT min(id) FROM enterprise WHERE name LIKE "
         "'%示范跨境电商企业2' AND tenant_id = (SELECT id FROM tenant WHERE slug = 'guangzhou'))", ()),
    )
    user, _ = _arrange(
        lambda: factories.member(
            "guangzhou", "enterprise_user", email=enterprise_user, display_name="第二家企业用户", enterprise=enterprise
        )
    )
    yield {"enterprise_user": enterprise_user, "enterprise_name": name, "tag": tag[:6]}
    *_, ended = _owner(
        owner_dsn,
        ("DELETE FROM pz_user WHERE id = $1", (user.id,)),  # its membership and sessions with it
        # the notice ends: later tests find the public award list as it was (the isolation matrix
        # counts the demo enterprise's name on a public page as a leak)
        ("UPDATE notice SET notice_until = now() - interval '1 minute' WHERE kind = 'award' AND submission IN (SELECT application FROM ledger_entry WHERE program IN "
         "(SELECT id FROM program WHERE key = $1)) RETURNING 1", (f"journey-{tag[:6]}",)),
    )
    assert ended == 1


def _apply(page: Page, server: str, program_name: str, exports: str) -> str:
    page.goto(server + f"{GZ}/funding/applications/")
    page.get_by_role("link", name=re.compile(re.escape(program_name))).click()
    expect(page).to_have_url(re.compile(r"/funding/applications/new\?round_id=\d+$"))
    page.get_by_role("button", name="开始申报").click()
    expect(page).to_have_url(re.compile(rf"{GZ}/funding/applications/\d+$"))
    expect(page.locator("#f-exports-unit")).to_have_text("万元")  # the unit next to the input
    page.get_by_label(re.compile("^年度跨境出口额")).fill(exports)
    page.get_by_role("button", name="提交申报").click()
    expect(page.get_by_role("button", name="提交申报")).to_have_count(0)
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.locator("#receipt-reference")).to_have_text(re.compile(r"^FC-\d{8}-\d{6}$"))  # 受理回执
    return page.url.split("?", 1)[0].rsplit("/", 1)[1]


def _review(page: Page, server: str, application: str, declared: str, verified: str | None = None) -> None:
    """Verify and approve: the verified value is prefilled (the declared one, or the one verified at the
    stage before); a corrected value is refused without its reason, then approved with it."""
    page.goto(server + f"{GZ}/funding/reviews")
    page.get_by_role("link", name=application, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/funding/applications/{application}"))
    review = page.locator("#review")
    if verified is not None:
        expect(page.locator("#v-exports")).to_have_value(declared)
        page.locator("#v-exports").fill(verified)
        page.get_by_role("button", name="通过", exact=True).click()
        expect(review.get_by_role("alert")).to_contain_text("核实值与申报值不同，请说明理由")
        expect(page.locator("#v-exports")).to_have_value(verified)  # what was typed stays
        page.locator("#r-exports").fill("按报关单核减")
    page.get_by_role("button", name="通过", exact=True).click()
    expect(review.get_by_role("alert")).to_have_count(0)


def test_funding_journey(server: str, browser: Browser, owner_dsn: str, people: dict, tmp_path: Path) -> None:
    tag = people["tag"]
    program_name = f"旅程出口奖励{tag}"
    today = tenant_today()

    # the bureau admin defines the program in the builder and its round in the round form
    admin = _as(browser, server, demo("admin", "guangzhou"), f"{GZ}/programs/new")
    admin.get_by_label("标识（字母、数字、“-”）").fill(f"journey-{tag}")
    admin.get_by_label("名称（中文）", exact=True).fill(program_name)
    admin.get_by_label("名称（英文）", exact=True).fill(f"Journey export reward {tag}")
    admin.get_by_label("申报金额单位").select_option("万元")  # declared in 万元, the formula works in 元
    admin.locator("#inputs-0-key").fill("exports")
    admin.locator("#inputs-0-label_zh").fill("年度跨境出口额")
    admin.locator("#inputs-0-label_en").fill("Cross-border exports")
    admin.locator("#inputs-0-min").fill("0")
    admin.locator("#rules-0-fact").select_option("not_on_negative_list")
    admin.locator("#rows-rules").get_by_role("button", name="删除此行").nth(1).click()
    expect(admin.locator("#rules-1-fact")).to_have_count(0)
    admin.locator("#rows-constants").get_by_role("button", name="添加一行").click()
    admin.locator("#constants-0-name").fill("rate")
    admin.locator("#constants-0-value").fill("0.001")
    admin.get_by_label("计算公式（以元计）").fill("exports * rate")
    admin.get_by_label("每户上限（元）").fill("50000")
    admin.get_by_label("奖励公示天数").fill("5")
    admin.get_by_label("金额为示例参数").check()
    admin.get_by_role("button", name="保存", exact=True).click()
    expect(admin).to_have_url(server + f"{GZ}/programs/journey-{tag}")
    expect(admin.get_by_role("heading", level=1)).to_contain_text(program_name)
    admin.get_by_role("link", name="新建申报批次").click()
    admin.get_by_label("批次名称（中文）").fill("2026年度")
    admin.get_by_label("批次名称（英文）").fill("2026")
    admin.get_by_label("预算", exact=True).fill("2500")
    admin.get_by_label("开始日期").fill(str(today - timedelta(days=1)))
    admin.get_by_label("截止日期（当日结束时截止）").fill(str(today + timedelta(days=30)))
    admin.get_by_role("button", name="创建批次").click()
    expect(admin).to_have_url(server + f"{GZ}/programs/journey-{tag}")

    # two enterprises apply
    first = _as(browser, server, demo("enterprise", "guangzhou"), f"{GZ}/funding/applications/")
    first_id = _apply(first, server, program_name, "200")
    second = _as(browser, server, people["enterprise_user"], f"{GZ}/funding/applications/")
    second_id = _apply(second, server, program_name, "150")
    # the estimate in words, with the label and the unit; no formula text for the enterprise
    steps = first.locator("#estimate-words")
    expect(steps).to_contain_text("年度跨境出口额：200 万元")
    expect(steps).to_contain_text("测算金额：0.2 万元")
    expect(steps).not_to_contain_text("exports")
    expect(first.locator("#estimate-formula")).to_have_count(0)
    expect(second.get_by_text(people["enterprise_name"]).first).to_be_visible()

    # the reviewer verifies (correcting the second declaration), the bureau admin approves the verification
    reviewer = _as(browser, server, demo("reviewer", "guangzhou"), f"{GZ}/funding/reviews")
    _review(reviewer, server, first_id, "200")
    _review(reviewer, server, second_id, "150", verified="100")
    _review(admin, server, first_id, "200")
    _review(admin, server, second_id, "150")  # prefilled with 100 and its reason: approved as it stands
    first.reload()
    expect(first.locator("#status")).to_have_text("已核实")

    # the admin closes the round and starts the calculation; no worker yet: the widget waits
    admin.goto(server + f"{GZ}/programs/journey-{tag}")
    admin.get_by_role("link", name="2026年度", exact=True).click()
    expect(admin).to_have_url(re.compile(rf"{GZ}/funding/rounds/\d+$"))
    round_url = admin.url
    admin.get_by_role("button", name="截止本批次申报").click()
    admin.get_by_role("button", name="开始测算").click()
    expect(admin).to_have_url(round_url)
    widget = admin.locator("#round-live .progress")
    expect(widget).to_contain_text("排队中")
    expect(widget.locator("progress")).to_have_attribute("value", "0")
    expect(admin.locator("#round-live")).to_have_attribute("data-hx-trigger", "every 1s")
    admin.evaluate("window.__journey = 'same page'")  # survives swaps, not reloads

    worker = start_worker(tmp_path / "worker.log")
    try:
        expect(widget).to_contain_text("已完成", timeout=60_000)
        expect(widget.locator("progress")).to_have_attribute("value", "2")
        results = admin.locator("#results tbody tr")
        expect(results).to_have_count(2)
        assert admin.evaluate("window.__journey") == "same page"  # HTMX swapped the results in
        expect(admin.locator("#round-live")).not_to_have_attribute("data-hx-trigger", "every 1s")
        expect(admin.locator("#round-status")).to_have_text("已测算")
    finally:
        stop_worker(worker)

    # the one who started it may not approve: no button, the page names who may; the second admin does
    expect(admin.get_by_role("button", name="审批测算结果")).to_have_count(0)
    approvers = admin.locator("#approvers")
    expect(approvers).to_contain_text("本次测算由您发起")
    expect(approvers).to_contain_text(demo("admin2", "guangzhou"))
    expect(approvers).not_to_contain_text(demo("admin", "guangzhou"))
    other = _as(browser, server, demo("admin2", "guangzhou"), round_url.removeprefix(server))
    other.get_by_role("button", name="审批测算结果").click()
    expect(other).to_have_url(round_url)
    expect(other.locator("#round-status")).to_have_text("已批准")
    ledger = other.locator("section[aria-labelledby=ledger-heading] tbody tr")
    expect(ledger).to_have_count(2)
    expect(ledger.first).to_contain_text("公示中")

    # anyone sees the awards under public notice
    public = browser.new_context().new_page()
    public.goto(server + f"{GZ}/funding/notices/")
    expect(public.get_by_role("cell", name=people["enterprise_name"])).to_be_visible()
    expect(public.get_by_role("cell", name="833.33 元")).to_be_visible()  # with its unit
    public.context.close()

    # no payment while the award is under public notice
    voucher = f"PZ-J-{tag}"

    def pay(amount: str = "500.00", reference: str = voucher) -> None:
        row = ledger.filter(has_text=people["enterprise_name"])
        row.get_by_label("金额").fill(amount)
        row.get_by_label("凭证号").fill(reference)
        row.get_by_label("拨付日期").fill(str(today))
        row.get_by_role("button", name="登记拨付").click()

    pay()
    expect(other.get_by_text("公示结束后方可拨付")).to_be_visible()
    # the notice window ends (the test clock: as the certification journey, by moving the end back);
    # nothing moves the entries: that the notice is over follows from its date
    _owner(owner_dsn, ("UPDATE notice SET notice_until = now() - interval '1 minute' WHERE kind = 'award' AND submission IN (SELECT application FROM ledger_entry WHERE program IN "
                       "(SELECT id FROM program WHERE key = $1)) RETURNING 1", (f"journey-{tag}",)))
    other.goto(round_url)
    expect(ledger.first).not_to_contain_text("公示中")  # not "公示中 · 至 <a past date>"
    expect(ledger.filter(has_text=people["enterprise_name"])).to_contain_text("已核定")
    public = browser.new_context().new_page()
    public.goto(server + f"{GZ}/funding/notices/")
    expect(public.get_by_role("cell", name=people["enterprise_name"])).to_have_count(0)
    public.context.close()
    pay()
    expect(other).to_have_url(round_url)
    expect(other.get_by_text(voucher)).to_be_visible()
    # more than is left: the over-award message with the amount still payable
    pay("400.00", f"{voucher}-2")
    expect(other.get_by_text("拨付金额不能超过核定金额：尚可拨付 333.33 元。")).to_be_visible()
    expect(other.get_by_text("尚未公示")).to_have_count(0)

    # the enterprise sees the outcome on its application: award, notice, objections, the payment
    second.goto(server + f"{GZ}/funding/applications/{second_id}")
    outcome = second.locator("#outcome")
    expect(outcome.locator("#outcome-awarded")).to_have_text("833.33 元")
    expect(outcome.locator("#outcome-notice")).to_be_visible()
    expect(outcome).to_contain_text("公示期内无异议")
    payment = outcome.locator("#outcome-payments tbody tr")
    expect(payment).to_have_count(1)
    expect(payment).to_contain_text(str(today))
    expect(payment).to_contain_text("500.00 元")
    expect(payment).to_contain_text(voucher)
    expect(outcome.locator("#outcome-paid")).to_have_text("500.00 元")

    # the results download as XLSX, amounts as numbers shown with two decimals (#,##0.00)
    with other.expect_download() as download:
        other.get_by_role("link", name="XLSX").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name.endswith(".xlsx")
    cells = list(load_workbook(path).active.iter_rows(values_only=True))
    assert cells[0][:5] == ("申请编号", "申报主体", "是否符合条件", "申报测算金额（元）", "核定金额（元）")
    rows = {r[0]: r for r in cells[1:]}
    assert set(rows) == {first_id, second_id}
    assert rows[first_id][3:5] == (2000, 1666.67)  # pro rata: 2500 × 2000 / 3000, the spare fen
    assert rows[second_id][3:5] == (1000, 833.33)  # the verified value, not the declared 150
    assert {c.number_format for c in load_workbook(path).active["E"][1:]} == {"#,##0.00"}
    assert rows[second_id][1] == people["enterprise_name"]
    assert cells[0][6] == "公示与拨付状态"  # the award's state by its notice's dates
    assert cells[0][7] == "年度跨境出口额（万元）"  # the values used, in the program's unit
    assert (rows[first_id][7], rows[second_id][7]) == ("200", "100")
    for page in (admin, first, second, reviewer, other):
        page.context.close()
