"""Reconciliation: declared figures (accepted monthly returns, source ``return``) against official ones
(source ``official``) per enterprise, month and customs mode, summed over direction and country.

``reconcile(periods)`` recomputes the flags (table ``trade_gap``) of the current tenant for those months,
in the caller's transaction:

- both sides present: flagged when ``|declared − official| > tolerance × official`` (the tenant's
  ``[trade] tolerance_percent``, default 10 %; official 0 and declared > 0 is always a gap);
- one side missing counts only once the tenant holds official data for that month: declared without an
  official figure of the mode is a gap; an official figure without a declared one is a gap when the
  enterprise filed figures for that month (an enterprise that filed nothing is a compliance matter,
  the returns' 报送情况, not a gap).

A flag no longer over the tolerance becomes ``cleared``; an ``explained`` one (the bureau's note) stays
explained while its numbers stay, and reopens when they change. ``open_gaps(enterprise_ids)`` is the
typed read for risk warnings and credit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import msgspec

from pilotzone import db
from pilotzone.auth import audit
from pilotzone.tenancy.context import current_tenant_id
from pilotzone.trade import settings
from pilotzone.trade.codes import GapStatus, Source
from pilotzone.trade.tables import TradeGap

DEFAULT_TOLERANCE = settings.DEFAULT_TOLERANCE


class Gap(msgspec.Struct, frozen=True):
    """One flag as the risk and credit code will read it."""

    id: int
    enterprise: int
    period: date
    mode: str
    declared: Decimal | None
    official: Decimal | None
    gap: Decimal
    gap_percent: Decimal | None
    status: GapStatus


@dataclass(frozen=True)
class Counts:
    flagged: int  # over the tolerance now (open or explained)
    open: int  # of those, open (new, reopened or still unexplained)
    cleared: int  # within the tolerance now, flagged before


async def tolerance() -> Decimal:
    """The current tenant's tolerance in percent (``[trade] tolerance_percent``), default 10."""
    return (await settings.current()).tolerance_percent


_SIDES = f"""
WITH sides AS (
  SELECT enterprise, period, mode,
         sum(value_cny) FILTER (WHERE source = '{Source.RETURN.value}') AS declared,
         sum(value_cny) FILTER (WHERE source = '{Source.OFFICIAL.value}') AS official
    FROM trade_figure
   WHERE period = ANY($1::date[]) AND source IN ('{Source.RETURN.value}', '{Source.OFFICIAL.value}')
   GROUP BY enterprise, period, mode
), months AS (
  SELECT DISTINCT period FROM sides WHERE official IS NOT NULL
), filed AS (
  SELECT DISTINCT enterprise, period FROM sides WHERE declared IS NOT NULL
)
SELECT s.enterprise, s.period, s.mode, s.declared, s.official
  FROM sides s
 WHERE s.period IN (SELECT period FROM months)
   AND (s.declared IS NOT NULL OR (s.enterprise, s.period) IN (SELECT enterprise, period FROM filed))
"""  # noqa: S608 - fixed SQL text, values are parameters

_UPSERT = f"""
INSERT INTO trade_gap (tenant_id, enterprise, period, mode, declared, official, gap, gap_percent, status,
                       found_at, checked_at)
SELECT $1, u.enterprise, u.period, u.mode, u.declared, u.official, u.gap, u.gap_percent,
       '{GapStatus.OPEN.value}', $8, $8
  FROM unnest($2::int[], $3::date[], $4::text[], $5::numeric[], $6::numeric[], $7::numeric[], $9::numeric[])
       AS u(enterprise, period, mode, declared, official, gap, gap_percent)
ON CONFLICT (tenant_id, enterprise, period, mode) DO UPDATE
   SET status = CASE WHEN trade_gap.status = '{GapStatus.EXPLAINED.value}'
                      AND trade_gap.declared IS NOT DISTINCT FROM EXCLUDED.declared
                      AND trade_gap.official IS NOT DISTINCT FROM EXCLUDED.official
                     THEN '{GapStatus.EXPLAINED.value}' ELSE '{GapStatus.OPEN.value}' END,
       found_at = CASE WHEN trade_gap.status = '{GapStatus.CLEARED.value}' THEN $8 ELSE trade_gap.found_at END,
       declared = EXCLUDED.declared, official = EXCLUDED.official, gap = EXCLUDED.gap,
       gap_percent = EXCLUDED.gap_percent, checked_at = $8
RETURNING status
"""  # noqa: S608 - fixed SQL text, values are parameters

_CLEAR = f"""
UPDATE trade_gap g
   SET status = '{GapStatus.CLEARED.value}', checked_at = $2,
       declared = CASE WHEN c.found THEN c.declared ELSE g.declared END,
       official = CASE WHEN c.found THEN c.official ELSE g.official END,
       gap = CASE WHEN c.found THEN c.gap ELSE g.gap END,
       gap_percent = CASE WHEN c.found THEN c.gap_percent ELSE g.gap_percent END
  FROM (SELECT g2.id, u.enterprise IS NOT NULL AS found, u.declared, u.official, u.gap, u.gap_percent
          FROM trade_gap g2
          LEFT JOIN unnest($3::int[], $4::date[], $5::text[], $6::numeric[], $7::numeric[], $8::numeric[],
                           $9::numeric[]) AS u(enterprise, period, mode, declared, official, gap, gap_percent)
                 ON u.enterprise = g2.enterprise AND u.period = g2.period AND u.mode = g2.mode
         WHERE g2.period = ANY($1::date[]) AND g2.status <> '{GapStatus.CLEARED.value}'
           AND NOT EXISTS (SELECT 1 FROM unnest($10::int[], $11::date[], $12::text[]) AS f(enterprise, period, mode)
                            WHERE f.enterprise = g2.enterprise AND f.period = g2.period AND f.mode = g2.mode)
       ) c
 WHERE g.id = c.id
RETURNING g.id
"""  # noqa: S608 - fixed SQL text, values are parameters

_HUNDRED = Decimal(100)
_FEN = Decimal("0.01")


def judge(declared: Decimal | None, official: Decimal | None, tolerance_percent: Decimal) -> tuple[
    Decimal, Decimal | None, bool
]:
    """(gap, gap_percent, over the tolerance) of one enterprise, month and mode."""
    d, o = declared or Decimal(0), official or Decimal(0)
    gap = (d - o).quantize(_FEN)
    percent = (abs(gap) * _HUNDRED / o).quantize(_FEN) if o > 0 else None
    over = gap != 0 and (o == 0 or abs(gap) * _HUNDRED > tolerance_percent * o)  # exact, not the rounded %
    return gap, percent, over


def _months(periods: Iterable[date]) -> list[date]:
    return sorted({p.replace(day=1) for p in periods})


async def reconcile(periods: Iterable[date], at: datetime | None = None) -> Counts:
    """Recompute the current tenant's flags of ``periods`` (any day of a month stands for the month)."""
    months = _months(periods)
    if not months:
        return Counts(0, 0, 0)
    at = at or datetime.now(UTC)
    limit = await tolerance()
    over: list[tuple] = []
    within: list[tuple] = []
    for row in await db.fetch(_SIDES, months):
        gap, percent, flagged = judge(row["declared"], row["official"], limit)
        item = (row["enterprise"], row["period"], row["mode"], row["declared"], row["official"], gap, percent)
        (over if flagged else within).append(item)
    opened = 0
    if over:
        cols = list(zip(*over, strict=True))
        rows = await db.fetch(
            _UPSERT, current_tenant_id(), list(cols[0]), list(cols[1]), list(cols[2]), list(cols[3]),
            list(cols[4]), list(cols[5]), at, list(cols[6]),
        )
        opened = sum(1 for r in rows if r["status"] == GapStatus.OPEN.value)
    wcols: list[list] = [list(c) for c in zip(*within, strict=True)] if within else [[] for _ in range(7)]
    fcols: list[list] = [list(c) for c in zip(*over, strict=True)][:3] if over else [[], [], []]
    cleared = await db.fetch(_CLEAR, months, at, *wcols, *fcols)
    return Counts(len(over), opened, len(cleared))


_OPEN = f"""
SELECT id, enterprise, period, mode, declared, official, gap, gap_percent, status FROM trade_gap
 WHERE enterprise = ANY($1::int[]) AND status = '{GapStatus.OPEN.value}'
 ORDER BY enterprise, period, mode
"""  # noqa: S608 - fixed SQL text


async def open_gaps(enterprise_ids: Sequence[int]) -> dict[int, list[Gap]]:
    """The open (unexplained) flags of each enterprise, oldest month first: what risk warnings and credit
    read. Enterprises without one are left out."""
    out: dict[int, list[Gap]] = {}
    for r in await db.fetch(_OPEN, sorted(set(enterprise_ids))):
        out.setdefault(r["enterprise"], []).append(
            Gap(r["id"], r["enterprise"], r["period"], r["mode"], r["declared"], r["official"], r["gap"],
                r["gap_percent"], GapStatus(r["status"]))
        )
    return out


class NoteError(ValueError):
    pass


async def explain_gap(gap_id: int, note: str, user_id: int | None) -> TradeGap:
    """The bureau explains a flag (its note); an explained flag stays explained while its numbers stay.
    Raises LookupError (no such flag in this tenant) or NoteError (an empty note, a cleared flag)."""
    text = note.strip()
    if not text:
        raise NoteError("note")
    row = await TradeGap.objects().where(TradeGap.id == gap_id).first()
    if row is None:
        raise LookupError(gap_id)
    if row.status == GapStatus.CLEARED.value:
        raise NoteError("cleared")
    before = {"status": row.status, "note": row.note}
    now = datetime.now(UTC)
    await TradeGap.update(
        {TradeGap.status: GapStatus.EXPLAINED.value, TradeGap.note: text, TradeGap.noted_by: user_id,
         TradeGap.noted_at: now}
    ).where(TradeGap.id == gap_id)
    await audit.record("trade_gap.explained", "trade_gap", gap_id, before=before,
                       after={"status": GapStatus.EXPLAINED.value, "note": text})
    row.status, row.note, row.noted_by, row.noted_at = GapStatus.EXPLAINED.value, text, user_id, now
    return row
