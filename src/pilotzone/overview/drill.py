"""The read-only list behind a dashboard number: the metric's facts filtered like its rollup (same
period rule, same dim), across every tenant for provincial users (RLS decides what is visible). The
facts come from the metric's domain (``Metric.count``/``Metric.listing``)."""

from __future__ import annotations

from dataclasses import dataclass

from pilotzone.codes import Coded
from pilotzone.funding.states import RoundState
from pilotzone.metrics import Fact, Metric, Window
from pilotzone.overview.dashboard import Period
from pilotzone.trade.codes import Direction, Mode, Source
from pilotzone.trade.countries import country_name
from pilotzone.trade.figures_metrics import COUNTRY, RETURNS, VALUE, Filing
from pilotzone.web.labels import N_, label
from pilotzone.web.render import Page, page_of
from pilotzone.workflow.states import AwardState, CertificationState, FundingState

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
    "trade_value": N_("Official trade figures by enterprise and month"),
    "trade_country": N_("Official trade figures by enterprise, month and country or region"),
    "trade_enterprise": N_("Official trade figures of an enterprise by month"),
    "trade_returns": N_("Monthly statistical returns by enterprise"),
}


# how each metric's facts name their state: an enum of the workflow or a group of web.labels
STATES: dict[str, type[Coded] | str] = {
    "parks": "registry_status",
    "enterprises": "registry_status",
    "certified_parks": CertificationState,
    "certified_warehouses": CertificationState,
    "talent_recognitions": "certificate_status",
    "applications": CertificationState,
    "decision_days": CertificationState,
    "budget": RoundState,
    "awarded": AwardState,
    "paid": "payment_status",
    "funding_applications": FundingState,
    "credit_refusals": FundingState,
    "trade_value": Source,
    "trade_country": Source,
    "trade_enterprise": Source,
    "trade_returns": Filing,
}


def state_label(metric_key: str, code: str) -> str:
    """A fact's state by its label in the page's language (never the stored code when one is known)."""
    source = STATES.get(metric_key)
    if source is None:
        return code
    return label(source, code)


def dim_label(metric_key: str, dim: str) -> str:
    """A fact's split: a state for the metrics split by state (applications, returns), a customs mode and
    direction, a country's name; an enterprise's id is not shown (its name is the fact's label)."""
    if metric_key in ("applications", RETURNS):
        return state_label(metric_key, dim)
    if metric_key == VALUE and ":" in dim:
        mode, _sep, direction = dim.partition(":")
        return f"{label(Mode, mode)} · {label(Direction, direction)}"
    if metric_key == COUNTRY:
        return f"{country_name(dim)} ({dim})" if dim else ""
    return "" if metric_key.startswith("trade_") else dim


@dataclass
class Listing:
    page: Page
    rows: list[Fact]


async def listing(m: Metric, period: Period, dim: str, tenant_id: int | None, page: int | None) -> Listing:
    window = Window(end=period.end, start=None if m.stock else period.start, dim=dim, tenant_id=tenant_id)
    pg = page_of(page, PAGE_SIZE, await m.count(window))
    return Listing(pg, await m.listing(window, PAGE_SIZE, pg.offset))
