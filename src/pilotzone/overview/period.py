"""The chosen period of a dashboard: a range of whole months (Asia/Shanghai)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pilotzone.overview.rollups import TZ


@dataclass(frozen=True)
class Period:
    start: date  # first day of the first month
    end: date  # first day of the last month

    @property
    def months(self) -> list[date]:
        out, m = [], self.start
        while m <= self.end:
            out.append(m)
            m = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
        return out

    def query(self) -> dict[str, str]:
        return {"from": self.start.strftime("%Y-%m"), "to": self.end.strftime("%Y-%m")}


def _month(text: str | None) -> date | None:
    try:
        year, month = (int(p) for p in (text or "").split("-"))
        return date(year, month, 1) if 2000 <= year <= 2100 and 1 <= month <= 12 else None
    except ValueError:
        return None


def period_of(start: str | None, end: str | None, today: date | None = None) -> Period:
    """The chosen month range; by default the twelve months up to this one (Asia/Shanghai)."""
    today = today or datetime.now(ZoneInfo(TZ)).date()
    last = _month(end) or date(today.year, today.month, 1)
    first = _month(start) or date(last.year - 1 + (last.month == 12), last.month % 12 + 1, 1)
    if first > last:
        first, last = last, first
    return Period(first, last)
