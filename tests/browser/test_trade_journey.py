"""The trade journey of issue 14 in a real browser, with a real worker process:

1. an enterprise files its monthly return (a line added with htmx, the form at 390 px), the bureau
   returns it with a reason, the enterprise reads it, corrects and resubmits, the bureau accepts: the
   declared figures are trade figures of source ``return`` and agree with the official ones (no flag);
2. the bureau imports an official file with one bad row: the job refuses it, the page names row,
   column and reason, nothing is written; the fixed file is imported (its counts shown);
3. the import corrected the enterprise's 9610 export far above what it declared: the reconciliation
   page flags the month with both numbers;
4. the dashboard's trade section (after a rollup refresh) leads to the enterprise's new official figure.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

from playwright.sync_api import Browser, Page, expect
from tests.browser.pages import refresh_rollups, sign_in, start_worker, stop_worker
from tests.browser.test_certification_journey import _as, _owner_sql
from tests.support import demo

from pilotzone.trade.return_dates import add_months, last_ended, period_text

GZ = "/z/guangzhou"
ENTERPRISE = "ent12"  # a demo enterprise that never filed a return (pilotzone.demo_work.returns)
HEADER = "统一社会信用代码,期间,监管方式,进出口,国家地区,金额,订单数,包裹数\n"
_OFFICIAL = """
SELECT coalesce(json_agg(json_build_object('mode', mode, 'direction', direction, 'value', total::text)
                         ORDER BY mode, direction), '[]')::text
  FROM (SELECT mode, direction, sum(value_cny) AS total FROM trade_figure
         WHERE enterprise = $1 AND period = $2 AND source = 'official' GROUP BY mode, direction) t
"""


def _fill_line(page: Page, i: int, mode: str, direction: str, value: str) -> None:
    page.locator(f"#lines-{i}-mode").select_option(mode)
    page.locator(f"#lines-{i}-direction").select_option(direction)
    page.locator(f"#lines-{i}-country").fill("美国" if i % 2 else "US")
    page.locator(f"#lines-{i}-value_cny").fill(value)
    page.locator(f"#lines-{i}-orders").fill("3")
    page.locator(f"#lines-{i}-parcels").fill("3")


def _upload(admin: Page, server: str, path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8-sig")  # as Excel saves "CSV UTF-8": with a BOM
    admin.goto(server + f"{GZ}/trade/imports/")
    admin.locator("#file").set_input_files(str(path))
    admin.get_by_role("button", name="导入", exact=True).click()
    expect(admin).to_have_url(re.compile(rf"{GZ}/trade/imports/\d+"))


def test_trade_journey(browser: Browser, server: str, owner_dsn: str, tmp_path: Path) -> None:
    period = add_months(last_ended(), -2)
    month = period_text(period)
    email = demo(ENTERPRISE, "guangzhou")
    firm = _owner_sql(owner_dsn, 'SELECT m.enterprise FROM membership m JOIN pz_user u ON u.id = m."user" WHERE u.email = $1', email)
    uscc = _owner_sql(owner_dsn, "SELECT uscc FROM enterprise WHERE id = $1", firm)
    name = _owner_sql(owner_dsn, "SELECT name FROM enterprise WHERE id = $1", firm)
    # what customs counted for the enterprise that month (the demo's official figures), per mode and direction
    official = json.loads(_owner_sql(owner_dsn, _OFFICIAL, firm, period))
    assert official, "the demo has official figures for every active enterprise"
    kept = _owner_sql(owner_dsn, "SELECT coalesce(json_agg(json_build_object('id', id, 'value', value_cny::text, 'orders', orders, 'parcels', parcels, 'batch', batch)), '[]')::text FROM trade_figure WHERE enterprise = $1 AND period = $2 AND source = 'official'", firm, period)
    worker = start_worker(tmp_path / "worker.log")
    ent = browser.new_context(locale="zh-CN").new_page()
    try:
        # 1. the return: first with the 9610 figure halved, then corrected to what customs counted
        sign_in(ent, server, email, f"{GZ}/returns/")
        ent.locator(f"#month-{month}").get_by_role("button").click()
        expect(ent.locator("#lines-0-mode")).to_be_visible()
        ent.get_by_label("月末从业人数").fill("25")
        for i, line in enumerate(official):
            if i:
                ent.get_by_role("button", name="添加一行").click()  # htmx swaps the lines, keeping what was typed
                expect(ent.locator(f"#lines-{i}-mode")).to_be_visible()
            value = Decimal(line["value"]) / (2 if i == 0 else 1)
            _fill_line(ent, i, line["mode"], line["direction"], str(value.quantize(Decimal("0.01"))))
        ent.set_viewport_size({"width": 390, "height": 844})  # the form fits a phone
        assert ent.evaluate("document.documentElement.scrollWidth") <= 390
        ent.get_by_role("button", name="报送月报").click()
        expect(ent.locator("#receipt")).to_contain_text("YB-")
        expect(ent.locator("#status")).to_contain_text("已报送")
        return_id = int(ent.url.split("/returns/", 1)[1].split("?", 1)[0])

        admin = _as(browser, server, "admin", f"{GZ}/returns/queue")
        admin.locator(f'a[href$="/returns/{return_id}"]').first.click()
        admin.get_by_label("退回理由").fill("零售出口金额与海关统计不一致，请核对。")
        admin.get_by_role("button", name="退回修改").click()
        expect(admin.locator("#status")).to_contain_text("已退回")

        ent.goto(server + f"{GZ}/returns/{return_id}")
        expect(ent.locator("#return-reasons")).to_contain_text("零售出口金额与海关统计不一致")
        ent.locator("#lines-0-value_cny").fill(official[0]["value"])
        ent.get_by_role("button", name="报送月报").click()
        expect(ent.locator("#status")).to_contain_text("已报送")

        admin.goto(server + f"{GZ}/returns/{return_id}")
        admin.get_by_role("button", name="确认月报").click()
        expect(admin.locator("#status")).to_contain_text("已确认")
        declared = _owner_sql(
            owner_dsn,
            "SELECT sum(value_cny)::text FROM trade_figure WHERE enterprise = $1 AND period = $2 AND mode = $3 AND source = 'return'",
            firm, period, official[0]["mode"],
        )
        assert Decimal(declared) == Decimal(official[0]["value"])
        admin.goto(server + f"{GZ}/trade/reconciliation/?period={month}")
        expect(admin.locator("main")).not_to_contain_text(name)  # declared as counted: no flag

        # 2. customs corrects the 9610 export to the United States upwards; the first file has a bad row
        mode, direction = official[0]["mode"], official[0]["direction"]
        us = _owner_sql(
            owner_dsn,
            "SELECT coalesce(sum(value_cny), 0)::text FROM trade_figure WHERE enterprise = $1 AND period = $2 "
            "AND mode = $3 AND direction = $4 AND country = 'US' AND source = 'official'",
            firm, period, mode, direction,
        )
        corrected = (Decimal(us) + Decimal(official[0]["value"])).quantize(Decimal("0.01"))  # the month's total doubles
        good = f"{uscc},{month},{mode},{'出口' if direction == 'export' else '进口'},美国,{corrected},40,41\n"
        count = "SELECT count(*) FROM trade_figure WHERE enterprise = $1 AND period = $2 AND source = 'official'"
        before = _owner_sql(owner_dsn, count, firm, period)
        _upload(admin, server, tmp_path / "海关统计-有误.csv", HEADER + good + f"{uscc},{month},{mode},出口,亚特兰蒂斯,10.00,1,1\n")
        problems = admin.locator("#import-problems")
        expect(problems).to_contain_text("未知的国家（地区）", timeout=60_000)
        expect(problems).to_contain_text("3")  # the data's second row is the file's third line
        assert _owner_sql(owner_dsn, count, firm, period) == before
        assert _owner_sql(
            owner_dsn,
            "SELECT coalesce(sum(value_cny), 0)::text FROM trade_figure WHERE enterprise = $1 AND period = $2 "
            "AND mode = $3 AND direction = $4 AND country = 'US' AND source = 'official'",
            firm, period, mode, direction,
        ) == us  # nothing written
        _upload(admin, server, tmp_path / "海关统计.csv", HEADER + good)
        expect(admin.locator("#import-counts")).to_be_visible(timeout=60_000)

        # 3. the reconciliation flags the month: declared against the new official total
        total = (Decimal(official[0]["value"]) - Decimal(us) + corrected).quantize(Decimal("0.01"))
        admin.goto(server + f"{GZ}/trade/reconciliation/?period={month}")
        main = admin.locator("main")
        expect(main).to_contain_text(name)
        expect(main).to_contain_text(f"{Decimal(official[0]['value']):,.2f} 元")
        expect(main).to_contain_text(f"{total:,.2f} 元")
        expect(main).to_contain_text("待核实")

        # 4. the dashboard's trade section leads to the enterprise's new figure for that month
        refresh_rollups()
        admin.goto(server + f"{GZ}/dashboard/?from={month}&to={month}")
        section = admin.locator("#trade")
        section.scroll_into_view_if_needed()
        label = "跨境电商零售（9610）" if mode == "9610" else mode
        row = admin.locator("#trade_modes-table tbody tr", has=admin.locator("th", has_text=label))
        row.filter(has_text="出口" if direction == "export" else "进口").first.locator("td a").first.click()
        listing = admin.locator("#list-table")
        expect(listing).to_contain_text(name)
        expect(listing).to_contain_text(f"{total:,.2f}")
    finally:
        stop_worker(worker)
        _owner_sql(  # the demo's official figures as they were: the import's correction undone
            owner_dsn,
            "WITH k AS (SELECT * FROM json_to_recordset($3::json) AS k(id int, value numeric, orders bigint, parcels bigint, batch int)), "
            "fixed AS (UPDATE trade_figure f SET value_cny = k.value, orders = k.orders, parcels = k.parcels, batch = k.batch "
            "FROM k WHERE f.id = k.id RETURNING f.id) "
            "DELETE FROM trade_figure WHERE enterprise = $1 AND period = $2 AND source = 'official' "
            "AND id NOT IN (SELECT id FROM k) RETURNING 1",
            firm, period, kept,
        )
        for sql in (
            "DELETE FROM trade_gap WHERE enterprise = $1 AND period = $2",
            "DELETE FROM trade_figure_history WHERE figure IN (SELECT id FROM trade_figure WHERE enterprise = $1 AND period = $2)",
            "DELETE FROM trade_figure WHERE enterprise = $1 AND period = $2 AND source = 'return'",
            "DELETE FROM trade_batch WHERE submission IN (SELECT id FROM trade_return WHERE enterprise = $1 AND period = $2)",
            "DELETE FROM submission WHERE id IN (SELECT id FROM trade_return WHERE enterprise = $1 AND period = $2)",
        ):
            _owner_sql(owner_dsn, sql + " RETURNING 1", firm, period)
