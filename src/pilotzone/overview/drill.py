"""The read-only list behind a dashboard number: the metric's facts filtered like its rollup (same
period rule, same dim), across every tenant for provincial users (RLS decides what is visible). The
facts come from the metric's domain (``Metric.count``/``Metric.listing``)."""

from __future__ import annotations

from dataclasses import dataclass

from pilotzone.metrics import Fact, Metric, Window
from pilotzone.overview.dashboard import Period
from pilotzone.web.labels import N_
from pilotzone.web.render import Page, page_of

PAGE_SIZE = 50
TITLES = {
    "parks": N_("Parks"),
    "certified_parks": N_("Certified parks"),
    "enterprises": N_("Enterprises"),
    "certified_warehouses": N_("Certified overseas warehouses"),
    "talent_recognitions": N_("Talent recognitions"),
    "applications": N_("Applications submitted"),
    "decision_days": N_("Decided applications (days from submission to decision)"),
    "budget": N_("Round budgets"),
    "awarded": N_("Awards in the ledger"),
    "paid": N_("Payments"),
    "funding_applications": N_("Funding applications"),
    "credit_refusals": N_("Funding applications refused for credit reasons"),
}


@dataclass
class Listing:
    page: Page
    rows: list[Fact]


async def listing(m: Metric, period: Period, dim: str, tenant_id: int | None, page: int | None) -> Listing:
    window = Window(end=period.end, start=None if m.stock else period.start, dim=dim, tenant_id=tenant_id)
    pg = page_of(page, PAGE_SIZE, await m.count(window))
    return Listing(pg, await m.listing(window, PAGE_SIZE, pg.offset))
