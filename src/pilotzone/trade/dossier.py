"""The trade sections of an enterprise's file (一企一档, ``pilotzone.dossier``): its monthly returns
(state, deadline, when filed, late), and declared against official figures per month (all modes,
directions and countries) with the month's reconciliation flags."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import msgspec

from pilotzone import db
from pilotzone.trade.codes import GapStatus, Source
from pilotzone.web.labels import label
from pilotzone.workflow.states import TradeReturnState

MONTHS_SHOWN = 24
RETURNS_SHOWN = 24


class TradeMonth(msgspec.Struct, frozen=True):
    period: date
    declared: Decimal | None  # None: no declared figure that month
    official: Decimal | None  # None: no official figure that month
    open_gaps: int  # flags of the month not yet explained (any mode)
    explained_gaps: int


_MONTHS = f"""
WITH sums AS (
  SELECT period,
         sum(value_cny) FILTER (WHERE source = '{Source.RETURN.value}') AS declared,
         sum(value_cny) FILTER (WHERE source = '{Source.OFFICIAL.value}') AS official
    FROM trade_figure WHERE enterprise = $1 AND source IN ('{Source.RETURN.value}', '{Source.OFFICIAL.value}')
   GROUP BY period ORDER BY period DESC LIMIT $2
), flags AS (
  SELECT period, count(*) FILTER (WHERE status = '{GapStatus.OPEN.value}') AS open,
         count(*) FILTER (WHERE status = '{GapStatus.EXPLAINED.value}') AS explained
    FROM trade_gap WHERE enterprise = $1 GROUP BY period
)
SELECT s.period, s.declared, s.official, COALESCE(f.open, 0) AS open, COALESCE(f.explained, 0) AS explained
  FROM sums s LEFT JOIN flags f ON f.period = s.period ORDER BY s.period DESC
"""  # noqa: S608 - fixed SQL text, values are parameters


async def trade_months(enterprise_id: int, limit: int = MONTHS_SHOWN) -> list[TradeMonth]:
    """The enterprise's last ``limit`` months with figures, newest first (RLS: the tenant's only)."""
    return [
        TradeMonth(r["period"], r["declared"], r["official"], r["open"], r["explained"])
        for r in await db.fetch(_MONTHS, enterprise_id, limit)
    ]


class ReturnMonth(msgspec.Struct, frozen=True, kw_only=True):
    """One monthly return of the enterprise (企业统计月报)."""

    id: int
    period: date
    status: str
    status_label: str
    due_on: date
    submitted_at: datetime | None  # first filed; None while a draft
    late: bool


_RETURNS = """
SELECT r.id, r.period, r.due_on, r.late, s.status, s.submitted_at
  FROM trade_return r JOIN submission s ON s.id = r.id AND s.tenant_id = r.tenant_id
 WHERE r.enterprise = $1
 ORDER BY r.period DESC LIMIT $2
"""


async def returns(enterprise_id: int, limit: int = RETURNS_SHOWN) -> list[ReturnMonth]:
    """The enterprise's last ``limit`` monthly returns, newest first (RLS: the tenant's only)."""
    return [
        ReturnMonth(
            id=r["id"], period=r["period"], status=r["status"], status_label=label(TradeReturnState, r["status"]),
            due_on=r["due_on"], submitted_at=r["submitted_at"], late=r["late"],
        )
        for r in await db.fetch(_RETURNS, enterprise_id, limit)
    ]
