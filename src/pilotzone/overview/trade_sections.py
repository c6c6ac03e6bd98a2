"""The trade sections of the dashboards (统计监测 · 贸易): official trade value by customs mode and
direction, the monthly trend with year-on-year change, the top countries, the top enterprises (a city)
or pilot zones (the province), and the monthly returns' compliance of the last closed month.

Read from the rollups only (``overview_month``, metrics exported by ``pilotzone.trade.figures_metrics``),
shaped into the same :class:`~pilotzone.overview.cells.Table` s as the other sections, so the page, the
CSV/XLSX exports and the monthly report show the same numbers. Amounts are shown in 万元 (two decimals,
with separators); every number links to the list behind it (``/list?metric=trade_…``), whose amounts in
元 add up to it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from pilotzone import db
from pilotzone.metrics import TZ
from pilotzone.overview.cells import Cell, Table
from pilotzone.overview.period import Period
from pilotzone.trade.codes import COMBINATIONS, Direction, Mode
from pilotzone.trade.countries import country_name
from pilotzone.trade.figures_metrics import COUNTRY, ENTERPRISE, RETURNS, VALUE, Filing, enterprise_names
from pilotzone.web.i18n import gettext as _
from pilotzone.web.i18n import pick
from pilotzone.web.labels import label

TOP = 10
FEN, TENTH = Decimal("0.01"), Decimal("0.1")
ZERO = Decimal(0)
# the sections that load on their own (HTMX, or a link without JS); ``trade_modes`` is on the page
LAZY = ("trade_trend", "trade_countries", "trade_enterprises", "trade_cities", "trade_compliance")


def wan(yuan: Decimal) -> Decimal:
    """Yuan in 万元 to two decimals (what the sections show)."""
    return (Decimal(yuan) / 10000).quantize(FEN, ROUND_HALF_UP)


def change(now: Decimal, before: Decimal) -> str:
    """Year-on-year change in percent to a tenth (``+15.0%``); ``–`` without a base."""
    if before == 0:
        return "–"
    return f"{((now - before) * 100 / before).quantize(TENTH, ROUND_HALF_UP):+}%"


def part(value: Decimal, whole: Decimal) -> str:
    return "–" if whole == 0 else f"{(value * 100 / whole).quantize(TENTH, ROUND_HALF_UP)}%"


def year_before(month: date) -> date:
    return date(month.year - 1, month.month, 1)


def last_closed(period: Period, today: date | None = None) -> date:
    """The month the compliance is shown for: the period's last month, or the last month that has
    ended (Asia/Shanghai) when the period runs into the current one."""
    today = today or datetime.now(ZoneInfo(TZ)).date()
    previous = date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)
    return min(period.end, previous)


@dataclass
class TradeData:
    """What the sections need, summed from the rollups (amounts in yuan)."""

    value: dict[int, dict[date, dict[str, Decimal]]]  # tenant → month → "mode:direction" (period + a year before)
    country: dict[str, Decimal]  # country → value in the period (the shown tenants)
    enterprise: list[tuple[int, str, Decimal]]  # the top enterprises (a city): id, name, value
    returns: dict[int, dict[str, int]]  # tenant → on_time | late | not_filed → enterprises, in ``closed``
    closed: date


async def load(period: Period, tenants: list[dict], province: bool) -> TradeData:
    ids = [t["id"] for t in tenants]
    value: dict[int, dict[date, dict[str, Decimal]]] = defaultdict(lambda: defaultdict(dict))
    for r in await db.fetch(
        "SELECT tenant_id, month, dim, value FROM overview_month "
        "WHERE metric = $1 AND month BETWEEN $2 AND $3 AND tenant_id = ANY($4::bigint[])",
        VALUE,
        year_before(period.start),
        period.end,
        ids,
    ):
        value[r["tenant_id"]][r["month"]][r["dim"]] = r["value"]
    grouped = (
        "SELECT dim, sum(value) AS value FROM overview_month WHERE metric = $1 AND month BETWEEN $2 AND $3 "
        "AND tenant_id = ANY($4::bigint[]) GROUP BY dim ORDER BY 2 DESC, 1"
    )
    country = {r["dim"]: r["value"] for r in await db.fetch(grouped, COUNTRY, period.start, period.end, ids)}
    top: list[tuple[int, str, Decimal]] = []
    if not province:
        best = await db.fetch(grouped + f" LIMIT {TOP}", ENTERPRISE, period.start, period.end, ids)
        names = await enterprise_names([int(r["dim"]) for r in best])
        top = [(int(r["dim"]), names.get(int(r["dim"]), r["dim"]), r["value"]) for r in best]
    closed = last_closed(period)
    returns: dict[int, dict[str, int]] = defaultdict(dict)
    for r in await db.fetch(
        "SELECT tenant_id, dim, value FROM overview_month WHERE metric = $1 AND month = $2 "
        "AND tenant_id = ANY($3::bigint[])",
        RETURNS,
        closed,
        ids,
    ):
        returns[r["tenant_id"]][r["dim"]] = int(r["value"])
    return TradeData(value, country, top, returns, closed)


def combinations() -> list[tuple[Mode, Direction]]:
    order = list(Mode)
    return sorted(COMBINATIONS, key=lambda c: (order.index(c[0]), c[1] != Direction.EXPORT))


class Sections:
    """Builds the trade tables of one dashboard (``href`` gives the list behind a number)."""

    def __init__(self, data: TradeData, period: Period, tenants: list[dict], links: Any, province: bool):
        self.data, self.period, self.tenants, self.links, self.province = data, period, tenants, links, province

    def href(
        self, metric: str, dim: str = "", tenant: dict | None = None, month: date | None = None
    ) -> str | None:
        if not self.links.list or (self.province and tenant is None):
            # a report has no links; the province's totals have none either: the list behind them is
            # every city's raw figures (millions of rows), their breakdown is the top pilot zones table
            return None
        query = {"metric": metric}
        if self.province and tenant is not None:
            query["tenant"] = tenant["slug"]
        query |= self.period.query() if month is None else {"from": f"{month:%Y-%m}", "to": f"{month:%Y-%m}"}
        if dim:
            query["dim"] = dim
        return f"{self.links.list}?" + urlencode(query)

    def _sum(self, months: list[date], dim: str | None = None, tenant: dict | None = None) -> Decimal:
        chosen = [tenant] if tenant is not None else self.tenants
        total = ZERO
        for t in chosen:
            per_month = self.data.value.get(t["id"], {})
            for m in months:
                dims = per_month.get(m, {})
                total += dims.get(dim, ZERO) if dim is not None else sum(dims.values(), ZERO)
        return total

    def _before(self) -> list[date]:
        return [year_before(m) for m in self.period.months]

    def modes(self) -> Table:
        months, before = self.period.months, self._before()
        whole = self._sum(months)
        rows = []
        for mode, direction in combinations():
            dim = f"{mode.value}:{direction.value}"
            now, then = self._sum(months, dim), self._sum(before, dim)
            if now == 0 and then == 0:
                continue
            rows.append(
                [Cell(label(mode)), Cell(label(direction)), Cell(wan(now), self.href(VALUE, dim))]
                + [Cell(wan(then)), Cell(change(now, then)), Cell(part(now, whole))]
            )
        then = self._sum(before)
        totals = [Cell(_("Total")), Cell(""), Cell(wan(whole)), Cell(wan(then)), Cell(change(whole, then))]
        headers = [_("Customs mode"), _("Direction"), _("Value (10,000 CNY)"), _("Same period a year before")]
        headers += [_("Year on year"), _("Share")]
        return Table("trade_modes", _("Trade value by customs mode and direction"), headers, rows, totals + [Cell("")])

    def trend(self) -> Table:
        rows = []
        export_dims = [f"{m.value}:export" for m, d in combinations() if d == Direction.EXPORT]
        for m in self.period.months:
            exported = sum((self._sum([m], dim) for dim in export_dims), ZERO)
            now, then = self._sum([m]), self._sum([year_before(m)])
            rows.append(
                [Cell(f"{m:%Y-%m}"), Cell(wan(exported)), Cell(wan(now - exported))]
                + [Cell(wan(now), self.href(VALUE, month=m)), Cell(wan(then)), Cell(change(now, then))]
            )
        whole, then = self._sum(self.period.months), self._sum(self._before())
        exported = sum((self._sum(self.period.months, dim) for dim in export_dims), ZERO)
        totals = [Cell(_("Total")), Cell(wan(exported)), Cell(wan(whole - exported)), Cell(wan(whole))]
        headers = [_("Month"), _("Export (10,000 CNY)"), _("Import (10,000 CNY)"), _("Value (10,000 CNY)")]
        headers += [_("Same month a year before"), _("Year on year")]
        return Table(
            "trade_trend",
            _("Trade value per month"),
            headers,
            rows,
            totals + [Cell(wan(then)), Cell(change(whole, then))],
        )

    def countries(self) -> Table:
        whole = sum(self.data.country.values(), ZERO)
        rows = [
            [Cell(f"{country_name(code)} ({code})"), Cell(wan(v), self.href(COUNTRY, code)), Cell(part(v, whole))]
            for code, v in list(self.data.country.items())[:TOP]
        ]
        headers = [_("Country or region"), _("Value (10,000 CNY)"), _("Share")]
        totals = [Cell(_("All countries and regions")), Cell(wan(whole)), Cell("100.0%" if whole else "–")]
        return Table("trade_countries", _("Top 10 countries and regions by trade value"), headers, rows, totals)

    def enterprises(self) -> Table:
        whole = self._sum(self.period.months)
        rows = [
            [Cell(name), Cell(wan(v), self.href(ENTERPRISE, str(eid))), Cell(part(v, whole))]
            for eid, name, v in self.data.enterprise
        ]
        headers = [_("Enterprise"), _("Value (10,000 CNY)"), _("Share")]
        totals = [Cell(_("All enterprises")), Cell(wan(whole)), Cell("100.0%" if whole else "–")]
        return Table("trade_enterprises", _("Top 10 enterprises by trade value"), headers, rows, totals)

    def cities(self) -> Table:
        months, before = self.period.months, self._before()
        ranked = sorted(self.tenants, key=lambda t: (-self._sum(months, tenant=t), t["id"]))[:TOP]
        whole = self._sum(months)
        rows = []
        for t in ranked:
            now, then = self._sum(months, tenant=t), self._sum(before, tenant=t)
            city = self.links.city(t["slug"]) + "?" + urlencode(self.period.query()) if self.links.list else None
            rows.append(
                [Cell(pick(t["name_zh"], t["name_en"]), city), Cell(wan(now), self.href(VALUE, tenant=t))]
                + [Cell(wan(then)), Cell(change(now, then)), Cell(part(now, whole))]
            )
        headers = [_("Pilot zone"), _("Value (10,000 CNY)"), _("Same period a year before"), _("Year on year")]
        then = self._sum(before)
        totals = [Cell(_("All pilot zones")), Cell(wan(whole)), Cell(wan(then)), Cell(change(whole, then))]
        return Table(
            "trade_cities",
            _("Top 10 pilot zones by trade value"),
            headers + [_("Share")],
            rows,
            totals + [Cell("100.0%" if whole else "–")],
        )

    def compliance(self) -> Table:
        closed, rows = self.data.closed, []
        sums = dict.fromkeys(Filing.values(), 0)
        for t in self.tenants:
            counts = self.data.returns.get(t["id"], {})
            cells = [Cell(pick(t["name_zh"], t["name_en"]))]
            for state in Filing.values():
                n = counts.get(state, 0)
                sums[state] += n
                cells.append(Cell(n, self.href(RETURNS, state, t, closed)))
            filed = counts.get("on_time", 0) + counts.get("late", 0)
            rows.append(cells + [Cell(part(Decimal(filed), Decimal(filed + counts.get("not_filed", 0))))])
        filed = sums["on_time"] + sums["late"]
        totals = [Cell(_("Total"))] + [Cell(sums[s]) for s in Filing.values()]
        totals.append(Cell(part(Decimal(filed), Decimal(filed + sums["not_filed"]))))
        headers = [_("Pilot zone"), *(label(f) for f in Filing), _("Filed share")]
        caption = _("Monthly statistical returns for %(month)s") % {"month": f"{closed:%Y-%m}"}
        return Table("trade_compliance", caption, headers, rows, totals)

    def tables(self) -> dict[str, Table]:
        tops = {"trade_cities": self.cities()} if self.province else {"trade_enterprises": self.enterprises()}
        return {
            "trade_modes": self.modes(),
            "trade_trend": self.trend(),
            "trade_countries": self.countries(),
            **tops,
            "trade_compliance": self.compliance(),
        }

    def bars(self) -> list[tuple[str, int]]:
        """The value chart: one bar per mode and direction (whole 万元), as in the table."""
        return [(f"{row[0].text} · {row[1].text}", int(row[2].value)) for row in self.modes().rows]


def sections(
    data: TradeData, period: Period, tenants: list[dict], links: Any, province: bool
) -> tuple[dict[str, Table], list[tuple[str, int]], list[tuple[str, int]]]:
    """The tables, the value chart's bars and the month chart's points (whole 万元)."""
    built = Sections(data, period, tenants, links, province)
    tables = built.tables()
    months = [(row[0].text, int(row[3].value)) for row in tables["trade_trend"].rows]
    return tables, built.bars(), months
