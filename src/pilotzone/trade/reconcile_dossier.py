"""The trade section of an enterprise's file (一企一档, ``pilotzone.dossier``): declared against official
figures per month (all modes, directions and countries) and the month's reconciliation flags."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import msgspec

from pilotzone import db
from pilotzone.trade.codes import GapStatus, Source

MONTHS_SHOWN = 24


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
