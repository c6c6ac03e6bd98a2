"""Entry points of an import outside a request: the CLI (one tenant by slug, its own transaction) and
the month's summary of official figures."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pilotzone import db
from pilotzone.tenancy.context import TenantContext, tenant_transaction
from pilotzone.trade.codes import Direction, Mode, Source
from pilotzone.trade.imports import Outcome, import_file
from pilotzone.web.formats import in_zone


class UnknownTenant(LookupError):
    """No active tenant has this slug."""


async def _tenant(slug: str) -> tuple[int, str]:
    rows = await db.fetch_global("SELECT id, time_zone FROM tenant WHERE slug = $1 AND active", slug)
    if not rows:
        raise UnknownTenant(slug)
    return rows[0]["id"], rows[0]["time_zone"]


async def import_for_tenant(slug: str, path: Path) -> Outcome:
    """``pilotzone trade import``: the file in one transaction of the tenant ``slug``."""
    try:
        tenant_id, time_zone = await _tenant(slug)
        with in_zone(time_zone):
            async with tenant_transaction(TenantContext(tenant_id, slug)):
                return await import_file(path, path.name)
    finally:
        await db.DB.close_connection_pool()


async def month_totals(period: date, source: Source = Source.OFFICIAL) -> dict[str, dict[str, dict]]:
    """The current figures of one month and source by mode and direction (only those with figures),
    in the order of the codes: ``{"9610": {"export": {"value_cny": "1.00", "orders": 1, "parcels": 1}}}``."""
    rows = await db.fetch(
        "SELECT mode, direction, sum(value_cny) AS value_cny, sum(orders) AS orders, sum(parcels) AS parcels "
        "FROM trade_figure WHERE period = $1 AND source = $2 GROUP BY mode, direction",
        period,
        str(source),
    )
    found = {(r["mode"], r["direction"]): r for r in rows}
    totals: dict[str, dict[str, dict]] = {}
    for mode in Mode:
        for direction in Direction:
            if (mode.value, direction.value) in found:
                row = found[mode.value, direction.value]
                totals.setdefault(mode.value, {})[direction.value] = {
                    "value_cny": f"{row['value_cny']:.2f}",
                    "orders": int(row["orders"]),
                    "parcels": int(row["parcels"]),
                }
    return totals


async def summary_for_tenant(slug: str, period: str) -> dict[str, dict[str, dict]]:
    """``pilotzone trade summary``: ``period`` is YYYY-MM (checked by the caller)."""
    try:
        tenant_id, _ = await _tenant(slug)
        year, month = (int(part) for part in period.split("-"))
        async with tenant_transaction(TenantContext(tenant_id, slug)):
            return await month_totals(date(year, month, 1))
    finally:
        await db.DB.close_connection_pool()
