"""What trade counts for the dashboards (``pilotzone.metrics``): the official trade figures (海关/单一窗口
statistics, ``Source.OFFICIAL``) by month, split by customs mode and direction, by country and by
enterprise; and the monthly returns' compliance (filed on time, late, not filed) per month.

The dashboards count **official figures only**: they are the statistics of record. What enterprises
declare in their returns is compared with them by the reconciliation and shown on the dashboards only
as compliance (who filed). Each fact is one enterprise's figures of one month (summed over the rest of
the key), so the drill-down list behind a number is the enterprises and their values, and its sum is
the number. ``overview`` keeps these as rollups (``overview_month``, refreshed by its job).
"""

from __future__ import annotations

from pilotzone import db
from pilotzone.codes import Coded
from pilotzone.metrics import TZ, Metric
from pilotzone.trade import tables
from pilotzone.trade.codes import Source

VALUE, COUNTRY, ENTERPRISE, RETURNS = "trade_value", "trade_country", "trade_enterprise", "trade_returns"


class Filing(Coded):
    """What became of an enterprise's return of a month (the compliance metric's dim and state)."""

    ON_TIME = "on_time", "按时报送", "Filed on time"
    LATE = "late", "逾期报送", "Filed late"
    NOT_FILED = "not_filed", "未报送", "Not filed"


RETURN_STATES = Filing.values()


def _official(dim: str, group: str) -> str:
    """One fact per enterprise, month and ``group`` of the official figures (amount in yuan)."""
    return (
        "SELECT f.tenant_id, f.enterprise AS id, e.name AS label, f.source AS state, "  # noqa: S608 - fixed SQL text
        f"(f.period::timestamp AT TIME ZONE '{TZ}') AS at, {dim} AS dim, sum(f.value_cny) AS amount "
        "FROM trade_figure f JOIN enterprise e ON e.id = f.enterprise AND e.tenant_id = f.tenant_id "
        f"WHERE f.source = '{Source.OFFICIAL.value}' "
        f"GROUP BY f.tenant_id, f.enterprise, e.name, f.source, f.period{group}"
    )


METRICS: list[Metric] = [
    Metric(VALUE, False, _official("f.mode || ':' || f.direction", ", f.mode, f.direction"), money=True),
    Metric(COUNTRY, False, _official("f.country", ", f.country"), money=True),
    Metric(ENTERPRISE, False, _official("f.enterprise::text", ""), money=True),
]

# The returns of a month by what became of them: an active enterprise (registered before the month
# ended) filed its return on time, late, or not at all (no return, or only a draft). Months from the
# first month any return of the tenant is for, up to the last closed month (Asia/Shanghai).
RETURNS_FACTS = (
    "SELECT e.tenant_id, e.id, e.name AS label, "  # noqa: S608 - fixed SQL text
    "CASE WHEN s.id IS NULL THEN 'not_filed' WHEN r.late THEN 'late' ELSE 'on_time' END AS state, "
    f"(m.month::timestamp AT TIME ZONE '{TZ}') AS at, "
    "CASE WHEN s.id IS NULL THEN 'not_filed' WHEN r.late THEN 'late' ELSE 'on_time' END AS dim, 1 AS amount "
    "FROM enterprise e "
    "JOIN (SELECT tenant_id, generate_series(min(period), "
    f"date_trunc('month', now() AT TIME ZONE '{TZ}')::date - interval '1 month', interval '1 month')::date AS month "
    "FROM trade_return GROUP BY tenant_id) m ON m.tenant_id = e.tenant_id "
    "LEFT JOIN trade_return r ON r.enterprise = e.id AND r.tenant_id = e.tenant_id AND r.period = m.month "
    "LEFT JOIN submission s ON s.id = r.id AND s.tenant_id = r.tenant_id AND s.kind = 'trade_return' "
    "AND s.status <> 'draft' "
    f"WHERE e.status = 'active' AND e.created_at < ((m.month + interval '1 month')::timestamp AT TIME ZONE '{TZ}')"
)
RETURN_METRICS: list[Metric] = [Metric(RETURNS, False, RETURNS_FACTS)]
# the returns' table comes with the monthly returns (``trade/returns*``); until it exists, no compliance
HAS_RETURNS = any(getattr(getattr(t, "_meta", None), "tablename", "") == "trade_return" for t in vars(tables).values())


def metrics() -> list[Metric]:
    """The trade figures the dashboards keep as rollups."""
    return METRICS + (RETURN_METRICS if HAS_RETURNS else [])


async def enterprise_names(ids: list[int]) -> dict[int, str]:
    """The names of the given enterprises the caller may see (the top lists name them)."""
    rows = await db.fetch("SELECT id, name FROM enterprise WHERE id = ANY($1::bigint[])", ids)
    return {r["id"]: r["name"] for r in rows}
