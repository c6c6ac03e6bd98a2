"""The province dashboard and the city dashboard: who may open them, sorting, drill-down lists across
tenants, exports with exactly the numbers shown, and the monthly report job against the real S3."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
from tests.integration.overview.helpers import refresh_all, wait_runs
from tests.support import demo

from pilotzone.documents.storage import get_storage

PERIOD = "from=2026-01&to=2026-12"


def _main_rows(html: str, table_id: str = "main-table") -> list[list[str]]:
    """A table's rows as shown (cell texts without markup)."""
    table = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([re.sub(r"<[^>]+>", "", c).replace("▼", "").replace("▲", "").strip() for c in cells])
    return [r for r in rows if r]


async def test_who_may_open_the_dashboards(as_user) -> None:  # type: ignore[no-untyped-def]
    async with as_user(demo("admin", "guangzhou")) as admin:
        assert (await admin.get("/province/", follow_redirects=False)).status_code == 403
        assert (await admin.get("/province/list?metric=parks", follow_redirects=False)).status_code == 403
        assert (await admin.get("/province/export?table=main&format=csv")).status_code == 403
        own = await admin.get("/z/guangzhou/dashboard/")
        assert own.status_code == 200 and "广州" in own.text
        assert (await admin.get("/z/foshan/dashboard/", follow_redirects=False)).status_code == 403
    async with as_user(demo("enterprise", "guangzhou")) as enterprise:
        assert (await enterprise.get("/z/guangzhou/dashboard/", follow_redirects=False)).status_code == 403
    async with as_user(demo("province-viewer")) as viewer:
        page = await viewer.get("/province/")
        assert page.status_code == 200 and "<svg" in page.text and 'id="main-table"' in page.text
        city = await viewer.get("/z/foshan/dashboard/")
        assert city.status_code == 200  # provincial staff read a city's dashboard
        refused = await viewer.post("/province/refresh", follow_redirects=False)
        assert refused.status_code == 403  # only the province admin may start refreshes


async def test_sort_drill_down_and_exports(as_user, owner, tenants, scripted, worker) -> None:  # type: ignore[no-untyped-def]
    await refresh_all(as_user, owner, tenants)
    async with as_user(demo("province-viewer")) as viewer:
        page = await viewer.get(f"/province/?{PERIOD}&sort=enterprises&dir=desc")
        assert page.status_code == 200
        rows = _main_rows(page.text)
        header, body, total = rows[0], rows[1:-1], rows[-1]
        col = header.index("企业数" if "企业数" in header else next(h for h in header if "企业" in h))
        values = [int(r[col].replace(",", "")) for r in body]  # shown with thousands separators
        assert values == sorted(values, reverse=True) and total[col] == f"{sum(values):,}"
        asc = _main_rows((await viewer.get(f"/province/?{PERIOD}&sort=enterprises&dir=asc")).text)
        assert [int(r[col].replace(",", "")) for r in asc[1:-1]] == sorted(values)
        fragment = await viewer.get(f"/province/?{PERIOD}&sort=parks", headers={"HX-Request": "true"})
        assert fragment.text.lstrip().startswith("<section") and "<html" not in fragment.text

        # drill down: the enterprises of Guangzhou, and the certified applications across tenants
        link = f"/province/list?metric=enterprises&amp;tenant=guangzhou&amp;{PERIOD.replace('&', '&amp;')}"
        assert f'href="{link}"' in page.text  # the number links to its list
        listed = await viewer.get(link.replace("&amp;", "&"))
        assert listed.status_code == 200 and f"{scripted['marker']}-guangzhou-0" in listed.text
        assert f"{scripted['marker']}-foshan-0" not in listed.text
        gz_row = next(r for r in body if r[0] in ("广州", "广州市"))
        assert f"{int(gz_row[col].replace(',', ''))} " in listed.text or f">{gz_row[col]} " in listed.text
        states = await viewer.get(f"/province/list?metric=applications&dim=certified&{PERIOD}")
        assert f"{scripted['marker']}-wh-0" in states.text and "foshan" in states.text
        assert (await viewer.get("/province/list?metric=nonsense")).status_code == 404

        # exports carry exactly the numbers shown
        q = f"{PERIOD}&sort=enterprises&dir=desc&table=main"
        as_csv = await viewer.get(f"/province/export?{q}&format=csv")
        assert as_csv.status_code == 200 and "text/csv" in as_csv.headers["content-type"]
        csv_rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
        assert csv_rows == _plain(rows)  # the same numbers, written without separators
        as_xlsx = await viewer.get(f"/province/export?{q}&format=xlsx")
        sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content)).active
        xlsx_rows = [[_shown(c) for c in row] for row in sheet.iter_rows()]
        assert xlsx_rows == rows
        # the secondary tables load on their own (HTMX fragment, or a page without JS): same cells
        for key in ("states", "countries", "funding", "trend"):
            href = f"/province/table?{PERIOD.replace('&', '&amp;')}&amp;table={key}"
            assert f'data-hx-get="{href}"' in page.text and f'href="{href}"' in page.text, key
            assert f'id="{key}-table"' not in page.text  # not on the dashboard itself: lighter page
            fragment = await viewer.get(f"/province/table?{PERIOD}&table={key}", headers={"HX-Request": "true"})
            assert fragment.text.lstrip().startswith("<section") and "<html" not in fragment.text, key
            own_page = await viewer.get(f"/province/table?{PERIOD}&table={key}")
            assert "<html" in own_page.text and "返回统计看板" in own_page.text, key
            shown = _main_rows(fragment.text, f"{key}-table")
            assert shown == _main_rows(own_page.text, f"{key}-table"), key
            other = await viewer.get(f"/province/export?{PERIOD}&table={key}&format=csv")
            assert list(csv.reader(io.StringIO(other.content.decode("utf-8-sig")))) == _plain(shown), key
            other = await viewer.get(f"/province/export?{PERIOD}&table={key}&format=xlsx")
            sheet = openpyxl.load_workbook(io.BytesIO(other.content)).active
            assert [[_shown(c) for c in row] for row in sheet.iter_rows()] == shown, key
        states = _main_rows((await viewer.get(f"/province/table?{PERIOD}&table=states")).text, "states-table")
        assert len(states) == 2 + len(tenants) and states[-1][0] == "合计"
        assert (await viewer.get(f"/province/table?{PERIOD}&table=main")).status_code == 404
        assert (await viewer.get(f"/province/export?{PERIOD}&table=nope&format=csv")).status_code == 404

    async with as_user(demo("admin", "guangzhou")) as admin:
        own = await admin.get(f"/z/guangzhou/dashboard/?{PERIOD}")
        own_rows = _main_rows(own.text)
        assert len(own_rows) == 3 and own_rows[1][1:] == gz_row[1:]  # the same figures as the province sees
        own_trend = await admin.get(f"/z/guangzhou/dashboard/table?{PERIOD}&table=trend")
        assert own_trend.status_code == 200 and 'id="trend-table"' in own_trend.text
        refused = await admin.get(f"/z/foshan/dashboard/table?{PERIOD}&table=trend", follow_redirects=False)
        assert refused.status_code == 403
        listed = await admin.get(f"/z/guangzhou/dashboard/list?metric=certified_warehouses&dim=DE&{PERIOD}")
        assert listed.status_code == 200 and f"{scripted['marker']}-guangzhou" in listed.text


def _shown(cell) -> str:  # type: ignore[no-untyped-def]
    """A cell as a spreadsheet shows it: a number by its format (``#,##0.00``: separators, the decimals)."""
    if cell.value is None:
        return ""
    if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
        assert cell.number_format.startswith("#,##0"), cell.number_format  # a number, never text
        decimals = len(cell.number_format.partition(".")[2])
        return f"{cell.value:,.{decimals}f}"
    return str(cell.value)


NUMBER = re.compile(r"-?\d{1,3}(,\d{3})*(\.\d+)?")


def _plain(rows: list[list[str]]) -> list[list[str]]:
    """The page's cells as a CSV writes them: numbers without thousands separators."""
    return [[c.replace(",", "") if NUMBER.fullmatch(c) else c for c in row] for row in rows]


async def test_monthly_report_job_writes_xlsx_and_html_to_s3(
    as_user, owner, tenants, scripted, worker
) -> None:  # type: ignore[no-untyped-def]
    async with as_user(demo("province-admin")) as admin:
        started = await admin.post("/province/reports", data={"month": "2026-03"}, follow_redirects=False)
        assert started.status_code == 303
    await wait_runs(owner, "overview_monthly_report", limit=120)
    gz = tenants["guangzhou"]
    doc = await owner.fetchrow(
        "SELECT d.storage_key, d.id FROM overview_report r JOIN document d ON d.id = r.document "
        "WHERE r.tenant_id = $1 AND r.month = '2026-03-01' AND r.kind = 'xlsx'",
        gz,
    )
    assert doc["storage_key"].startswith(f"{gz}/overview_report/202603/")
    data = b"".join(get_storage().iter_object(doc["storage_key"]))
    book = openpyxl.load_workbook(io.BytesIO(data))
    main = book["main"]
    texts = [str(c) for row in main.iter_rows(values_only=True) for c in row if c is not None]
    assert any("月度统计报告" in t for t in texts) and any("monthly report" in t for t in texts)
    assert any("企业" in t and "Enterprises" in t for t in texts)  # Chinese headers with English under them
    # the province report follows each tenant's run (after commit, read-only province scope)
    for _ in range(100):
        if get_storage().exists("province/overview_report/2026-03/report.xlsx"):
            break
        import asyncio

        await asyncio.sleep(0.1)
    province = openpyxl.load_workbook(
        io.BytesIO(b"".join(get_storage().iter_object("province/overview_report/2026-03/report.xlsx")))
    )
    names = [str(r[0]) for r in province["main"].iter_rows(values_only=True) if r and r[0]]
    assert any("广州" in n for n in names) and any("佛山" in n for n in names)

    async with as_user(demo("province-viewer")) as viewer:
        page = await viewer.get("/province/")
        assert "/province/reports/file?month=2026-03&kind=xlsx" in page.text
        got = await viewer.get("/province/reports/file?month=2026-03&kind=xlsx")
        assert got.status_code == 200 and got.content[:2] == b"PK"
        tenant_doc = await viewer.get(f"/province/reports/document?id={doc['id']}")
        assert tenant_doc.status_code == 200 and tenant_doc.content == data
        assert (await viewer.get("/province/reports/file?month=2026-13&kind=xlsx")).status_code == 404
    async with as_user(demo("admin", "guangzhou")) as admin_gz:
        html_doc = await owner.fetchval(
            "SELECT document FROM overview_report WHERE tenant_id = $1 AND month = '2026-03-01' AND kind = 'html'",
            gz,
        )
        printable = await admin_gz.get(f"/z/guangzhou/dashboard/reports/{html_doc}")
        assert (
            printable.status_code == 200
            and "月度统计报告" in printable.text
            and "@media print" in printable.text
        )
    async with as_user(demo("admin", "foshan")) as admin_fs:
        other = await admin_fs.get(f"/z/foshan/dashboard/reports/{html_doc}")
        assert other.status_code == 404  # another city's report is not found (RLS)


async def test_month_chart_has_a_size_and_a_bar_per_month(as_user) -> None:  # type: ignore[no-untyped-def]
    async with as_user(demo("province-viewer")) as viewer:
        page = (await viewer.get(f"/province/?{PERIOD}")).text
    svg = page.split('aria-labelledby="month-chart-t"', 1)[1].split("</svg>", 1)[0]
    width, height = re.search(r'width="(\d+)" height="(\d+)" viewBox="0 0 (\d+) (\d+)"', svg).group(1, 2)  # type: ignore[union-attr]
    assert int(width) > 100 and int(height) > 100
    assert len(re.findall(r"<rect ", svg)) == 12  # one bar per month of 2026
