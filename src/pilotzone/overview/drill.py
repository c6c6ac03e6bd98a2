"""The read-only list behind a dashboard number: the metric's facts filtered like its rollup (same
period rule, same dim), across every tenant for provincial users (RLS decides what is visible)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pilotzone import db
from pilotzone.overview.dashboard import Period
from pilotzone.overview.rollups import Metric, month_of
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
    rows: list[dict[str, Any]]


def _where(m: Metric, period: Period, dim: str, tenant_id: int | None) -> tuple[str, list[Any]]:
    args: list[Any] = [period.end]
    clauses = ["f.at IS NOT NULL", f"{month_of('f.at')} <= $1"]
    if not m.stock:
        args.append(period.start)
        clauses.append(f"{month_of('f.at')} >= ${len(args)}")
    if dim:
        args.append(dim)
        clauses.append(f"f.dim = ${len(args)}")
    if tenant_id is not None:
        args.append(tenant_id)
        clauses.append(f"f.tenant_id = ${len(args)}")
    return " AND ".join(clauses), args


async def listing(m: Metric, period: Period, dim: str, tenant_id: int | None, page: int | None) -> Listing:
    where, args = _where(m, period, dim, tenant_id)
    base = f"FROM ({m.facts}) f WHERE {where}"  # noqa: S608 - fixed SQL, values are parameters
    total = (await db.fetch(f"SELECT count(*) AS n {base}", *args))[0]["n"]  # noqa: S608
    pg = page_of(page, PAGE_SIZE, total)
    rows = await db.fetch(
        f"SELECT f.tenant_id, f.id, f.label, f.state, f.at, f.dim, f.amount {base} "  # noqa: S608
        f"ORDER BY f.at DESC, f.id DESC LIMIT {PAGE_SIZE} OFFSET {pg.offset}",
        *args,
    )
    return Listing(pg, [dict(r) for r in rows])
