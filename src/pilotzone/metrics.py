"""The countable things a domain exports to the dashboards, and the typed rows they are read as.

A domain declares each of its figures as a :class:`Metric` (in its ``figures.py``) whose *facts* query
it writes over its own tables: one row per counted thing with ``tenant_id, id, label, state, at
(timestamptz), dim, amount``. ``overview`` never names those tables: it reads a metric only through
:meth:`Metric.monthly` (the rows its rollups keep) and :meth:`Metric.listing` (the drill-down list).
RLS scopes every query to what the caller may see (one tenant, or every tenant for provincial users).

Metrics are *stock* (counted up to the end of a period) or *flow* (counted inside it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from pilotzone import db

TZ = "Asia/Shanghai"  # months are the tenant zone's months


def month_of(column: str) -> str:
    """SQL: the first day of the month (in :data:`TZ`) of a timestamptz column."""
    return f"date_trunc('month', {column} AT TIME ZONE '{TZ}')::date"


@dataclass(frozen=True, slots=True)
class Fact:
    """One counted thing."""

    tenant_id: int
    id: int
    label: str
    state: str
    at: datetime
    dim: str
    amount: int | Decimal


@dataclass(frozen=True, slots=True)
class MonthFigure:
    """A metric's facts of one month and one ``dim``, summed."""

    metric: str
    month: date
    dim: str
    value: int | Decimal


@dataclass(frozen=True, slots=True)
class Window:
    """Which facts a listing shows: counted up to the month ``end`` (and from the month ``start``, for a
    flow metric), of one ``dim`` and one tenant when given."""

    end: date
    start: date | None = None
    dim: str = ""
    tenant_id: int | None = None


@dataclass(frozen=True)
class Metric:
    name: str
    stock: bool
    facts: str  # the domain's own SQL (see the module docstring); nobody outside the domain writes one
    money: bool = False

    async def monthly(self) -> list[MonthFigure]:
        """The facts summed by (month, dim), for the rollups."""
        rows = await db.fetch(
            f"SELECT {month_of('f.at')} AS month, f.dim, sum(f.amount) AS value "  # noqa: S608 - fixed SQL text
            f"FROM ({self.facts}) f WHERE f.at IS NOT NULL GROUP BY 1, 2"
        )
        return [MonthFigure(self.name, r["month"], r["dim"], r["value"]) for r in rows]

    def _where(self, window: Window) -> tuple[str, list[object]]:
        args: list[object] = [window.end]
        clauses = ["f.at IS NOT NULL", f"{month_of('f.at')} <= $1"]
        if window.start is not None:
            args.append(window.start)
            clauses.append(f"{month_of('f.at')} >= ${len(args)}")
        if window.dim:
            args.append(window.dim)
            clauses.append(f"f.dim = ${len(args)}")
        if window.tenant_id is not None:
            args.append(window.tenant_id)
            clauses.append(f"f.tenant_id = ${len(args)}")
        return f"FROM ({self.facts}) f WHERE {' AND '.join(clauses)}", args  # noqa: S608 - values are parameters

    async def count(self, window: Window) -> int:
        """How many facts are in ``window``."""
        base, args = self._where(window)
        return (await db.fetch(f"SELECT count(*) AS n {base}", *args))[0]["n"]  # noqa: S608

    async def listing(self, window: Window, limit: int, offset: int) -> list[Fact]:
        """The facts in ``window``, newest first, ``limit`` of them from ``offset``."""
        base, args = self._where(window)
        rows = await db.fetch(
            f"SELECT f.tenant_id, f.id, f.label, f.state, f.at, f.dim, f.amount {base} "  # noqa: S608
            f"ORDER BY f.at DESC, f.id DESC LIMIT {int(limit)} OFFSET {int(offset)}",
            *args,
        )
        return [Fact(**dict(r)) for r in rows]
