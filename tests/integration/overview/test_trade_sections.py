"""The dashboards' trade sections: known official figures (in 2011–2012, far from the demo's year) give
the numbers shown for a city and the province — by mode and direction with year on year, the monthly
trend, the top countries, enterprises and pilot zones — the list behind a number adds up to it, the
exports and the monthly report carry the sections, a city sees only itself, and the rollups stay exact
after a correction (history) and a re-import."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date
from decimal import Decimal

import openpyxl
from tests import factories
from tests.integration.overview.test_dashboard import _main_rows
from tests.support import demo

from pilotzone import db
from pilotzone.overview import reports
from pilotzone.overview.rollups import refresh_current_tenant
from pilotzone.tenancy.context import TenantContext, tenant_transaction
from pilotzone.tenancy.services import list_tenants
from pilotzone.trade import store
from pilotzone.trade.codes import Direction, Mode, Source
from pilotzone.trade.figures import Checked

PERIOD = "from=2012-01&to=2012-12"


def row(enterprise: int, month: str, mode: str, direction: str, country: str, value: str) -> Checked:
    return Checked(
        enterprise=enterprise,
        period=date(int(month[:4]), int(month[5:]), 1),
        mode=Mode(mode),
        direction=Direction(direction),
        country=country,
        value_cny=Decimal(value),
        orders=10,
        parcels=12,
    )


async def put(slug: str, rows: list[Checked], source: Source = Source.OFFICIAL, label: str = "t.csv") -> store.Counts:
    async with factories.acting_in(slug):
        batch = await store.start_batch(source, label)
        counts = await store.write(rows, source, batch)
        await store.finish_batch(batch, counts)
    return counts


async def refresh(tenants: dict[str, int], *slugs: str) -> None:
    for slug in slugs:
        async with tenant_transaction(TenantContext(tenants[slug], slug)):
            await refresh_current_tenant()


def _href(page: str, table_id: str, text: str) -> str:
    """The link of the cell showing ``text`` in table ``table_id``."""
    table = page.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    found = re.search(rf'<a href="([^"]+)">{re.escape(text)}</a>', table)
    assert found, (table_id, text)
    return html.unescape(found.group(1))


def _listed_total(page: str) -> Decimal:
    """The amounts of a drill-down list (yuan, ``1,234.50 元``) added up."""
    table = page.split('id="list-table"', 1)[1].split("</table>", 1)[0]
    amounts = re.findall(r'<td class="num">([\d,.]+) 元</td>', table)
    return sum((Decimal(a.replace(",", "")) for a in amounts), Decimal(0))


async def test_trade_sections_city_and_province(as_user, tenants) -> None:  # type: ignore[no-untyped-def]
    a = await factories.enterprise("guangzhou", name="贸易测试甲公司")
    b = await factories.enterprise("guangzhou", name="贸易测试乙公司")
    c = await factories.enterprise("foshan", name="贸易测试丙公司")
    await put(
        "guangzhou",
        [
            row(a.id, "2012-03", "9610", "export", "US", "1500000.00"),
            row(a.id, "2012-03", "9610", "export", "DE", "500000.00"),
            row(b.id, "2012-03", "9710", "export", "JP", "300000.00"),
            row(b.id, "2012-05", "1210", "import", "AU", "100000.50"),
            row(a.id, "2011-03", "9610", "export", "US", "1000000.00"),
        ],
    )
    # declared figures do not count on the dashboards (official only)
    await put("guangzhou", [row(a.id, "2012-03", "9610", "export", "US", "9999999.00")], Source.RETURN, "return")
    await put("foshan", [row(c.id, "2012-03", "9610", "export", "US", "800000.00")])
    await refresh(tenants, "guangzhou", "foshan")

    async with as_user(demo("admin", "guangzhou")) as admin:
        page = (await admin.get(f"/z/guangzhou/dashboard/?{PERIOD}")).text
        modes = _main_rows(page, "trade_modes-table")
        assert modes[0] == ["海关监管方式", "进出口", "金额（万元）", "上年同期（万元）", "同比", "占比"]
        assert modes[1:] == [
            ["跨境电商零售（9610）", "出口", "200.00", "100.00", "+100.0%", "83.3%"],
            ["跨境电商B2B直接出口（9710）", "出口", "30.00", "0.00", "–", "12.5%"],
            ["保税跨境贸易电子商务（1210）", "进口", "10.00", "0.00", "–", "4.2%"],
            [modes[-1][0], "", "240.00", "100.00", "+140.0%", ""],
        ]
        assert 'id="trade-chart-t"' in page and 'id="trade-month-chart-t"' in page
        # the number links to the list behind it, whose amounts (yuan) add up to it
        listed = await admin.get(_href(page, "trade_modes-table", "200.00"))
        assert listed.status_code == 200 and "贸易测试甲公司" in listed.text and "贸易测试乙公司" not in listed.text
        assert _listed_total(listed.text) == Decimal("2000000.00")

        trend = _main_rows((await admin.get(f"/z/guangzhou/dashboard/table?{PERIOD}&table=trade_trend")).text, "trade_trend-table")
        assert len(trend) == 1 + 12 + 1
        assert trend[3] == ["2012-03", "230.00", "0.00", "230.00", "100.00", "+130.0%"]
        assert trend[5] == ["2012-05", "0.00", "10.00", "10.00", "0.00", "–"]
        assert trend[1][3] == "0.00" and trend[-1][3] == "240.00"

        countries = _main_rows((await admin.get(f"/z/guangzhou/dashboard/table?{PERIOD}&table=trade_countries")).text, "trade_countries-table")
        assert [r[:2] for r in countries[1:-1]] == [
            ["美国 (US)", "150.00"], ["德国 (DE)", "50.00"], ["日本 (JP)", "30.00"], ["澳大利亚 (AU)", "10.00"]
        ]
        tops = await admin.get(f"/z/guangzhou/dashboard/table?{PERIOD}&table=trade_enterprises")
        top_rows = _main_rows(tops.text, "trade_enterprises-table")
        assert [r[:2] for r in top_rows[1:-1]] == [["贸易测试甲公司", "200.00"], ["贸易测试乙公司", "40.00"]]
        assert "贸易测试丙公司" not in tops.text  # RLS: a city sees only itself
        mine = await admin.get(_href(tops.text, "trade_enterprises-table", "40.00"))
        assert _listed_total(mine.text) == Decimal("400000.50")
        everything = await admin.get(f"/z/guangzhou/dashboard/list?metric=trade_value&{PERIOD}")
        assert "贸易测试丙公司" not in everything.text and _listed_total(everything.text) == Decimal("2400000.50")
        assert (await admin.get(f"/z/guangzhou/dashboard/table?{PERIOD}&table=trade_cities")).status_code == 404
        assert (await admin.get(f"/z/foshan/dashboard/table?{PERIOD}&table=trade_trend", follow_redirects=False)).status_code == 403

        # exports carry the section
        as_csv = await admin.get(f"/z/guangzhou/dashboard/export?{PERIOD}&table=trade_modes&format=csv")
        lines = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
        assert lines[1][:5] == ["跨境电商零售（9610）", "出口", "200.00", "100.00", "+100.0%"]
        as_xlsx = await admin.get(f"/z/guangzhou/dashboard/export?{PERIOD}&table=trade_enterprises&format=xlsx")
        sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content)).active
        assert [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))][:2] == ["贸易测试甲公司", 200]

    async with as_user(demo("province-viewer")) as viewer:
        page = (await viewer.get(f"/province/?{PERIOD}")).text
        modes = _main_rows(page, "trade_modes-table")
        assert modes[1][:5] == ["跨境电商零售（9610）", "出口", "280.00", "100.00", "+180.0%"]
        assert modes[-1][2] == "320.00"
        assert "<a href" not in page.split('id="trade_modes-table"', 1)[1].split("</table>", 1)[0]
        section = (await viewer.get(f"/province/table?{PERIOD}&table=trade_cities")).text
        cities = _main_rows(section, "trade_cities-table")
        assert [r[:4] for r in cities[1:3]] == [["广州", "240.00", "100.00", "+140.0%"], ["佛山", "80.00", "0.00", "–"]]
        listed = await viewer.get(_href(section, "trade_cities-table", "80.00"))  # a city's number: its list
        assert "贸易测试丙公司" in listed.text and "贸易测试甲公司" not in listed.text
        assert _listed_total(listed.text) == Decimal("800000.00")
        assert (await viewer.get(f"/province/table?{PERIOD}&table=trade_enterprises")).status_code == 404


async def test_rollups_exact_after_a_correction_and_a_reimport(tenants) -> None:  # type: ignore[no-untyped-def]
    ent = await factories.enterprise("guangzhou")
    first = [row(ent.id, "2011-07", "9810", "export", "GB", "1234.56"), row(ent.id, "2011-08", "9810", "export", "GB", "10")]

    async def rolled() -> dict:
        async with tenant_transaction(TenantContext(tenants["guangzhou"], "guangzhou")):
            direct = await db.fetch(
                "SELECT period AS month, sum(value_cny) AS value FROM trade_figure WHERE enterprise = $1 "
                "AND source = 'official' GROUP BY 1", ent.id
            )
            kept = await db.fetch(
                "SELECT month, value FROM overview_month WHERE metric = 'trade_enterprise' AND dim = $1", str(ent.id)
            )
        assert {r["month"]: r["value"] for r in kept} == {r["month"]: r["value"] for r in direct}
        return {r["month"]: r["value"] for r in kept}

    await put("guangzhou", first)
    await refresh(tenants, "guangzhou")
    assert await rolled() == {date(2011, 7, 1): Decimal("1234.56"), date(2011, 8, 1): Decimal("10.00")}
    # a newer file replaces one value (the old one goes to history)
    counts = await put("guangzhou", [row(ent.id, "2011-07", "9810", "export", "GB", "2000.00")], label="new.csv")
    assert (counts.inserted, counts.replaced) == (0, 1)
    await refresh(tenants, "guangzhou")
    assert await rolled() == {date(2011, 7, 1): Decimal("2000.00"), date(2011, 8, 1): Decimal("10.00")}
    # importing the same file again changes nothing
    again = await put("guangzhou", [row(ent.id, "2011-07", "9810", "export", "GB", "2000.00")], label="new.csv")
    assert again.unchanged == 1
    await refresh(tenants, "guangzhou")
    assert await rolled() == {date(2011, 7, 1): Decimal("2000.00"), date(2011, 8, 1): Decimal("10.00")}


async def test_the_monthly_report_has_the_trade_sections(tenants) -> None:  # type: ignore[no-untyped-def]
    ent = await factories.enterprise("foshan", name="报告贸易测试公司")
    await put("foshan", [row(ent.id, "2010-04", "9610", "export", "SG", "654321.00")])
    await refresh(tenants, "foshan")
    async with tenant_transaction(TenantContext(tenants["foshan"], "foshan")):
        own = [t for t in await list_tenants() if t["slug"] == "foshan"]
        files = await reports.render("2010-04", own, "佛山报告", "Foshan report")
    book = openpyxl.load_workbook(io.BytesIO(files["xlsx"]))
    assert {"trade_modes", "trade_trend", "trade_countries", "trade_enterprises", "trade_compliance"} <= set(book.sheetnames)
    text = files["html"].decode()
    assert "65.43" in text and "报告贸易测试公司" in text and "新加坡 (SG)" in text
