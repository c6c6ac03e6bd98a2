"""The months of monthly statistical returns and their deadlines.

A return reports one calendar month (``period``: its first day) and is filed after the month ends: the
return of month M is due by the tenant's ``return_day`` (``[trade] return_day`` in its TOML, default 10)
of month M+1, a date in the tenant's zone (``web.deadlines.tenant_today``).
"""

from __future__ import annotations

from datetime import date

from pilotzone.trade import settings
from pilotzone.web.deadlines import tenant_today
from pilotzone.web.i18n import gettext as _

DEFAULT_DAY = settings.DEFAULT_DAY
SHOWN_MONTHS = 12  # the months an enterprise's list shows (the last ended month first)


def month_of(day: date) -> date:
    return day.replace(day=1)


def add_months(period: date, months: int) -> date:
    index = period.year * 12 + period.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def due_on(period: date, return_day: int) -> date:
    """The last day to file the return of ``period``."""
    return add_months(month_of(period), 1).replace(day=return_day)


def last_ended(today: date | None = None) -> date:
    """The newest month that can be filed: the one before the current month."""
    return add_months(month_of(today or tenant_today()), -1)


def recent(today: date | None = None, count: int = SHOWN_MONTHS) -> list[date]:
    """The last ``count`` ended months, newest first."""
    newest = last_ended(today)
    return [add_months(newest, -i) for i in range(count)]


def period_text(period: date) -> str:
    """``2026-11``: the month as forms and addresses write it."""
    return f"{period.year:04d}-{period.month:02d}"


def period_label(period: date) -> str:
    """The month in words (2026年11月 / 2026-11)."""
    return _("%(year)s-%(month)s", year=f"{period.year:04d}", month=f"{period.month:02d}")


def parse_period(text: str) -> date | None:
    """A month from ``YYYY-MM`` (None when it is not one)."""
    parts = text.strip().split("-")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4 or len(parts[1]) != 2:
        return None
    year, month = int(parts[0]), int(parts[1])
    return date(year, month, 1) if 2000 <= year <= 2100 and 1 <= month <= 12 else None


def fileable(period: date, today: date | None = None) -> bool:
    """Whether the month has ended (the current and future months cannot be filed yet)."""
    return period <= last_ended(today)


async def return_day() -> int:
    """The current tenant's deadline day (``[trade] return_day``, ``trade.settings``)."""
    return (await settings.current()).return_day
