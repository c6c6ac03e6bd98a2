"""The dashboard figures for a period, read from the rollups only (never the raw tables), shaped into
the tables the page, the exports and the monthly reports all show: one cell list per row, so every
output carries exactly the same numbers."""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

from pilotzone import db
from pilotzone.certification.applications import SHOWN_STATES, status_label
from pilotzone.funding import figures as funding_figures
from pilotzone.overview import trade_sections
from pilotzone.overview.cells import Cell, Table, show  # noqa: F401 - part of this module's API
from pilotzone.overview.period import Period, period_of  # noqa: F401 - part of this module's API
from pilotzone.overview.rollups import PAPERWORK, last_refreshes
from pilotzone.registry.warehouses import country_name
from pilotzone.web.i18n import get_locale, pick
from pilotzone.web.i18n import gettext as _
from pilotzone.web.labels import N_

STOCK = ("parks", "certified_parks", "enterprises", "certified_warehouses")
STATES = [s for s in SHOWN_STATES if s != "draft"]
FEN = Decimal("0.01")


def median(histogram: dict[int, int]) -> Decimal | None:
    """Exact median of whole days from a {days: count} histogram (mean of the two middle values)."""
    n = sum(histogram.values())
    if n == 0:
        return None
    ordered = sorted(histogram.items())

    def nth(k: int) -> int:  # k-th value, 0-based
        seen = 0
        for days, count in ordered:
            seen += count
            if k < seen:
                return days
        raise IndexError(k)

    mid = (Decimal(nth((n - 1) // 2)) + Decimal(nth(n // 2))) / 2
    return mid.quantize(Decimal("0.1"), ROUND_HALF_UP)


def share(part: int, whole: int) -> str:
    return "–" if whole == 0 else f"{(Decimal(part) * 100 / whole).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


async def figures(period: Period) -> dict[int, dict[str, dict[str, Decimal]]]:
    """{tenant_id: {metric: {dim: value}}} for the period: stock metrics up to its end, flows inside it
    (the paperwork metrics; the trade sections read theirs in ``trade_sections``)."""
    rows = await db.fetch(
        "SELECT tenant_id, metric, dim, sum(value) AS value FROM overview_month "
        "WHERE metric = ANY($4::text[]) AND month <= $2 AND (month >= $1 OR metric = ANY($3::text[])) "
        "GROUP BY 1, 2, 3",
        period.start,
        period.end,
        list(STOCK),
        PAPERWORK,
    )
    out: dict[int, dict[str, dict[str, Decimal]]] = defaultdict(lambda: defaultdict(dict))
    for r in rows:
        out[r["tenant_id"]][r["metric"]][r["dim"]] = r["value"]
    return out


async def trend(period: Period) -> dict[int, dict[date, int]]:
    rows = await db.fetch(
        "SELECT tenant_id, month, sum(value) AS value FROM overview_month "
        "WHERE metric = 'applications' AND month BETWEEN $1 AND $2 GROUP BY 1, 2",
        period.start,
        period.end,
    )
    out: dict[int, dict[date, int]] = defaultdict(dict)
    for r in rows:
        out[r["tenant_id"]][r["month"]] = int(r["value"])
    return out


async def families() -> dict[str, str]:
    """Program family (the program key shared across cities) → its name in the current language."""
    return await funding_figures.program_families()


def _count(fig: dict[str, dict[str, Decimal]], metric: str, dim: str | None = None) -> int:
    values = fig.get(metric, {})
    return int(values.get(dim, 0) if dim is not None else sum(values.values(), Decimal(0)))


def _money(fig: dict[str, dict[str, Decimal]], metric: str) -> Decimal:
    return sum(fig.get(metric, {}).values(), Decimal(0)).quantize(FEN)


MAIN_COLUMNS: list[tuple[str, str]] = [
    ("parks", N_("Parks")),
    ("certified_parks", N_("Certified parks")),
    ("enterprises", N_("Enterprises")),
    ("certified_warehouses", N_("Certified overseas warehouses")),
    ("talent_recognitions", N_("Talent recognitions")),
    ("applications", N_("Applications submitted")),
    ("decided", N_("Decided")),
    ("median_days", N_("Median days to decision")),
    ("budget", N_("Budget (CNY)")),
]
FUNDING_COLUMNS: list[tuple[str, str]] = [
    ("awarded", N_("Awarded (CNY)")),
    ("paid", N_("Paid (CNY)")),
    ("funding_applications", N_("Funding applications")),
    ("credit_share", N_("Refused for credit reasons")),
]
DRILL = {"decided": "decision_days", "median_days": "decision_days", "credit_share": "credit_refusals"}


def main_columns() -> list[tuple[str, str]]:
    return MAIN_COLUMNS + FUNDING_COLUMNS


def _row_values(fig: dict[str, dict[str, Decimal]]) -> dict[str, Any]:
    days = {int(d): int(v) for d, v in fig.get("decision_days", {}).items()}
    values: dict[str, Any] = {m: _count(fig, m) for m in STOCK + ("talent_recognitions", "applications")}
    values |= {"decided": sum(days.values()), "median_days": median(days), "budget": _money(fig, "budget")}
    apps, refused = _count(fig, "funding_applications"), _count(fig, "credit_refusals")
    values |= {"awarded": _money(fig, "awarded"), "paid": _money(fig, "paid")}
    values |= {"funding_applications": apps, "credit_share": share(refused, apps)}
    return values


def _merge(figs: list[dict[str, dict[str, Decimal]]]) -> dict[str, dict[str, Decimal]]:
    total: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for fig in figs:
        for metric, dims in fig.items():
            for dim, value in dims.items():
                total[metric][dim] += value
    return total


@dataclass
class Dashboard:
    period: Period
    tenants: list[dict]
    tables: dict[str, Table]
    bars: list[tuple[str, int, int]]  # (city, submitted, decided)
    months: list[tuple[str, int]]  # (YYYY-MM, applications submitted in all shown tenants)
    refreshed: dict[int, datetime]
    trade_bars: list[tuple[str, int]] = field(default_factory=list)  # (mode · direction, 万元)
    trade_months: list[tuple[str, int]] = field(default_factory=list)  # (YYYY-MM, 万元)
    html: dict[str, Any] = field(default_factory=dict)  # rendered fragments, kept with the cached figures


def build(
    period: Period,
    tenants: list[dict],
    figs: dict[int, dict[str, dict[str, Decimal]]],
    per_month: dict[int, dict[date, int]],
    family_names: dict[str, str],
    link: Any,
    sort: str = "",
    descending: bool = False,
) -> dict[str, Table]:
    """``link(tenant, metric, dim)`` → drill-down URL; ``tenant`` is a tenant dict."""
    columns = main_columns()
    keys = [k for k, _label in columns]
    empty: dict[str, dict[str, Decimal]] = {}
    rows = []
    for t in tenants:
        values = _row_values(figs.get(t["id"], empty))
        cells = [Cell(pick(t["name_zh"], t["name_en"]), link(t, "", ""))]
        cells += [Cell(values[k], link(t, DRILL.get(k, k), "")) for k in keys]
        rows.append((values, cells))
    if sort in keys:
        rows.sort(key=lambda r: _sortable(r[0][sort]), reverse=descending)
    all_values = _row_values(_merge([figs.get(t["id"], empty) for t in tenants]))
    main = Table(
        "main",
        _("Pilot zones side by side"),
        [_("Pilot zone")] + [_(label) for _k, label in columns],
        [cells for _v, cells in rows],
        [Cell(_("Total"))] + [Cell(all_values[k]) for k in keys],
        [""] + keys,
    )
    return {
        "main": main,
        "states": _states(tenants, figs, link),
        "countries": _countries(tenants, figs, link),
        "funding": _funding(tenants, figs, family_names, link),
        "trend": _trend(period, tenants, per_month, link),
    }


def _sortable(value: Any) -> tuple[int, Any]:
    if value is None or value == "–":
        return (0, 0)
    if isinstance(value, str) and value.endswith("%"):
        return (1, Decimal(value[:-1]))
    return (1, value)


def _states(tenants: list[dict], figs: dict, link: Any) -> Table:
    rows = []
    for t in tenants:
        fig = figs.get(t["id"], {})
        rows.append(
            [Cell(pick(t["name_zh"], t["name_en"]), link(t, "", ""))]
            + [Cell(_count(fig, "applications", s), link(t, "applications", s)) for s in STATES]
        )
    merged = _merge([figs.get(t["id"], {}) for t in tenants])
    totals = [Cell(_("Total"))] + [Cell(_count(merged, "applications", s)) for s in STATES]
    headers = [_("Pilot zone")] + [status_label(s) for s in STATES]
    return Table("states", _("Certification applications by state"), headers, rows, totals)


def _countries(tenants: list[dict], figs: dict, link: Any) -> Table:
    merged = _merge([figs.get(t["id"], {}) for t in tenants])
    codes = sorted(
        merged.get("certified_warehouses", {}), key=lambda c: (-merged["certified_warehouses"][c], c)
    )
    rows = []
    for code in codes:
        cells = [Cell(f"{country_name(code)} ({code})")]
        cells += [
            Cell(
                _count(figs.get(t["id"], {}), "certified_warehouses", code),
                link(t, "certified_warehouses", code),
            )
            for t in tenants
        ]
        rows.append(cells + [Cell(_count(merged, "certified_warehouses", code))])
    headers = [_("Country")] + [pick(t["name_zh"], t["name_en"]) for t in tenants] + [_("Total")]
    totals = [Cell(_("Total"))] + [
        Cell(_count(figs.get(t["id"], {}), "certified_warehouses")) for t in tenants
    ]
    totals.append(Cell(_count(merged, "certified_warehouses")))
    return Table("countries", _("Certified overseas warehouses by country"), headers, rows, totals)


def _funding(tenants: list[dict], figs: dict, names: dict[str, str], link: Any) -> Table:
    metrics = ["budget", "awarded", "paid"]
    rows, totals = [], {m: Decimal(0) for m in metrics}
    keys = sorted({k for t in tenants for k in figs.get(t["id"], {}).get("budget", {})})
    for key in keys:
        for t in tenants:
            fig = figs.get(t["id"], {})
            if key not in fig.get("budget", {}):
                continue
            amounts = {m: Decimal(fig.get(m, {}).get(key, 0)).quantize(FEN) for m in metrics}
            for m in metrics:
                totals[m] += amounts[m]
            rows.append(
                [Cell(names.get(key, key)), Cell(pick(t["name_zh"], t["name_en"]), link(t, "", ""))]
                + [Cell(amounts[m], link(t, m, key)) for m in metrics]
            )
    headers = [_("Program family"), _("Pilot zone"), _("Budget (CNY)"), _("Awarded (CNY)"), _("Paid (CNY)")]
    total_row = [Cell(_("Total")), Cell("")] + [Cell(totals[m]) for m in metrics]
    return Table("funding", _("Budget, awards and payments per program family"), headers, rows, total_row)


def _trend(period: Period, tenants: list[dict], per_month: dict, link: Any) -> Table:
    rows = []
    for m in period.months:
        counts = [per_month.get(t["id"], {}).get(m, 0) for t in tenants]
        rows.append(
            [Cell(m.strftime("%Y-%m"))]
            + [Cell(c, link(t, "applications", "", m)) for c, t in zip(counts, tenants, strict=True)]
            + [Cell(sum(counts))]
        )
    headers = [_("Month")] + [pick(t["name_zh"], t["name_en"]) for t in tenants] + [_("Total")]
    totals = [Cell(_("Total"))] + [Cell(sum(per_month.get(t["id"], {}).values())) for t in tenants]
    totals.append(Cell(sum(sum(per_month.get(t["id"], {}).values()) for t in tenants)))
    return Table("trend", _("Applications submitted per month"), headers, rows, totals)


@dataclass(frozen=True)
class Links:
    """The dashboard's addresses, from route names (``pilotzone.overview.controllers.links``): the
    provincial overview's or one city's. ``city`` gives a city's own dashboard (the province's rows link
    to it). Reports rendered by a worker have no links (``Links()``)."""

    home: str = ""
    table: str = ""
    list: str = ""
    export: str = ""
    refresh: str = ""
    reports: str = ""
    city: Callable[[str], str] = field(default=lambda slug: "", compare=False)


def link_maker(links: Links, period: Period, province: bool) -> Any:
    """Drill-down URLs: a city's dashboard or the list behind a figure."""

    def link(tenant: dict, metric: str, dim: str, month: date | None = None) -> str:
        if not links.list:
            return ""
        if not metric:
            return links.city(tenant["slug"]) + "?" + urlencode(period.query())
        query = {"metric": metric}
        if province:
            query["tenant"] = tenant["slug"]
        query |= period.query() if month is None else {"from": f"{month:%Y-%m}", "to": f"{month:%Y-%m}"}
        if dim:
            query["dim"] = dim
        return f"{links.list}?" + urlencode(query)

    return link


_cache: OrderedDict[tuple, Dashboard] = OrderedDict()
CACHE_SIZE = 64


async def load(
    period: Period,
    tenants: list[dict],
    links: Links,
    province: bool,
    sort: str = "",
    descending: bool = False,
) -> Dashboard:
    """Everything the page shows for ``tenants``, from the rollups. The result is kept per process
    until any visible tenant's rollups are refreshed again (one indexed look-up per request)."""
    refreshed = await last_refreshes()
    key = (
        period,
        tuple(t["id"] for t in tenants),
        links,
        province,
        sort,
        descending,
        get_locale(),
        tuple(sorted(refreshed.items())),
    )
    hit = _cache.get(key)
    if hit is not None:
        _cache.move_to_end(key)
        return hit
    board = await _load(period, tenants, links, province, sort, descending, refreshed)
    _cache[key] = board
    while len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)
    return board


async def _load(
    period: Period,
    tenants: list[dict],
    links: Links,
    province: bool,
    sort: str,
    descending: bool,
    refreshed: dict[int, datetime],
) -> Dashboard:
    figs, per_month = await figures(period), await trend(period)
    tables = build(
        period,
        tenants,
        figs,
        per_month,
        await families(),
        link_maker(links, period, province),
        sort,
        descending,
    )
    bars = []
    for t in tenants:
        values = _row_values(figs.get(t["id"], {}))
        bars.append((pick(t["name_zh"], t["name_en"]), values["applications"], values["decided"]))
    months = [(row[0].text, row[-1].value) for row in tables["trend"].rows]
    trade = await trade_sections.load(period, tenants, province)
    trade_tables, trade_bars, trade_months = trade_sections.sections(trade, period, tenants, links, province)
    return Dashboard(period, tenants, tables | trade_tables, bars, months, refreshed, trade_bars, trade_months)
