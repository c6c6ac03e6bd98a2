"""The monthly return journey in a real browser: an enterprise files its return (a line added with
htmx), the bureau returns it with a reason, the enterprise reads the reason, corrects and resubmits, the
bureau accepts it; the figure is then a trade figure of source ``return``."""

from __future__ import annotations

from playwright.sync_api import Browser, expect
from tests.browser.pages import sign_in
from tests.browser.test_certification_journey import _as, _owner_sql
from tests.support import demo

from pilotzone.trade.return_dates import add_months, last_ended, period_text

GZ = "/z/guangzhou"
ENTERPRISE = "ent12"  # a demo enterprise that never filed a return (pilotzone.demo_work.returns)


def test_return_journey(browser: Browser, server: str, owner_dsn: str) -> None:
    period = add_months(last_ended(), -2)
    email = demo(ENTERPRISE, "guangzhou")
    firm = _owner_sql(owner_dsn, 'SELECT m.enterprise FROM membership m JOIN pz_user u ON u.id = m."user" WHERE u.email = $1', email)
    ent = browser.new_context(locale="zh-CN").new_page()
    try:
        sign_in(ent, server, email, f"{GZ}/returns/")
        ent.locator(f"#month-{period_text(period)}").get_by_role("button").click()
        expect(ent.locator("#lines-0-mode")).to_be_visible()
        ent.get_by_label("月末从业人数").fill("25")
        ent.locator("#lines-0-country").fill("US")
        ent.locator("#lines-0-value_cny").fill("1000")
        ent.locator("#lines-0-orders").fill("3")
        ent.locator("#lines-0-parcels").fill("3")
        ent.get_by_role("button", name="添加一行").click()  # htmx swaps the lines, keeping what was typed
        expect(ent.locator("#lines-1-mode")).to_be_visible()
        expect(ent.locator("#lines-0-value_cny")).to_have_value("1000")
        ent.set_viewport_size({"width": 390, "height": 844})  # the form fits a phone
        assert ent.evaluate("document.documentElement.scrollWidth") <= 390
        ent.locator("#lines-1-mode").select_option("1210")
        ent.locator("#lines-1-direction").select_option("import")
        ent.locator("#lines-1-country").fill("日本")
        ent.locator("#lines-1-value_cny").fill("500")
        ent.get_by_role("button", name="报送月报").click()
        expect(ent.locator("#receipt")).to_contain_text("YB-")
        expect(ent.locator("#status")).to_contain_text("已报送")
        return_id = int(ent.url.split("/returns/", 1)[1].split("?", 1)[0])

        admin = _as(browser, server, "admin", f"{GZ}/returns/queue")
        admin.locator(f'a[href$="/returns/{return_id}"]').first.click()
        admin.get_by_label("退回理由").fill("美国订单金额与报关数据不一致，请核对。")
        admin.get_by_role("button", name="退回修改").click()
        expect(admin.locator("#status")).to_contain_text("已退回")

        ent.goto(server + f"{GZ}/returns/{return_id}")
        expect(ent.locator("#return-reasons")).to_contain_text("美国订单金额与报关数据不一致")
        ent.locator("#lines-0-value_cny").fill("1200")
        ent.get_by_role("button", name="报送月报").click()
        expect(ent.locator("#status")).to_contain_text("已报送")

        admin.goto(server + f"{GZ}/returns/{return_id}")
        admin.get_by_role("button", name="确认月报").click()
        expect(admin.locator("#status")).to_contain_text("已确认")
        value = _owner_sql(
            owner_dsn,
            "SELECT value_cny::text FROM trade_figure WHERE enterprise = $1 AND period = $2 AND country = 'US' AND source = 'return'",
            firm,
            period,
        )
        assert value == "1200.00"
    finally:
        for sql in (
            "DELETE FROM trade_figure_history WHERE figure IN (SELECT id FROM trade_figure WHERE enterprise = $1 AND period = $2)",
            "DELETE FROM trade_figure WHERE enterprise = $1 AND period = $2",
            "DELETE FROM trade_batch WHERE submission IN (SELECT id FROM trade_return WHERE enterprise = $1 AND period = $2)",
            "DELETE FROM submission WHERE id IN (SELECT id FROM trade_return WHERE enterprise = $1 AND period = $2)",
        ):
            _owner_sql(owner_dsn, sql + " RETURNING 1", firm, period)
