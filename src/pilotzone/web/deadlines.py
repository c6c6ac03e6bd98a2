"""Dates that end something, in words: how long a round stays open, by when an information request is
to be answered or a monthly return filed. Days are counted in the tenant's zone (Asia/Shanghai, ``formats.TZ``): a deadline
date lasts to the end of that day there, so "today" is the tenant's date, never the server's.

    closes_in(date(2026, 12, 20), today=date(2026, 12, 17)).text  → "还剩 3 天，2026-12-20 截止"
    answer_by(date(2026, 12, 20), today=date(2026, 12, 22)).text  → "已逾期 2 天（应于 2026-12-20 前补正）"
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from pilotzone.web.formats import TZ
from pilotzone.web.i18n import gettext as _
from pilotzone.web.i18n import ngettext


def tenant_today(now: datetime | None = None) -> date:
    """The tenant's date at ``now`` (default: this moment)."""
    return (now or datetime.now(UTC)).astimezone(TZ).date()


@dataclass(frozen=True)
class Deadline:
    """A deadline as a page shows it: ``days`` left (0: the last day, negative: past by that many),
    the words, and whether it has passed (pages mark it)."""

    day: date
    days: int
    text: str

    @property
    def passed(self) -> bool:
        return self.days < 0


def closes_in(day: date, today: date | None = None) -> Deadline:
    """How long applications are taken (``day`` the last day)."""
    days = (day - (today or tenant_today())).days
    when = day.isoformat()
    if days > 0:
        text = ngettext("%(num)d day left, closes on %(date)s", "%(num)d days left, closes on %(date)s", days, date=when)
    elif days == 0:
        text = _("Closes today (%(date)s)", date=when)
    else:
        text = _("Closed on %(date)s", date=when)
    return Deadline(day, days, text)


def opens_on(day: date, today: date | None = None) -> Deadline:
    """When a round that is not open yet starts taking applications."""
    days = (day - (today or tenant_today())).days
    return Deadline(day, days, _("Opens on %(date)s", date=day.isoformat()))


def _due(
    day: date,
    today: date | None,
    left: Callable[[int, str], str],
    last: Callable[[str], str],
    overdue: Callable[[int, str], str],
) -> Deadline:
    """A date by which something is owed (``day`` included), in the words of what is owed: ``left(days,
    date)`` before it, ``last(date)`` on it, ``overdue(days, date)`` after it."""
    days = (day - (today or tenant_today())).days
    when = day.isoformat()
    text = left(days, when) if days > 0 else last(when) if days == 0 else overdue(-days, when)
    return Deadline(day, days, text)


def answer_by(day: date, today: date | None = None) -> Deadline:
    """By when an information request is to be answered (``day`` included)."""
    return _due(
        day,
        today,
        lambda n, when: ngettext("Answer by %(date)s, %(num)d day left", "Answer by %(date)s, %(num)d days left", n, date=when),
        lambda when: _("Answer by today (%(date)s)", date=when),
        lambda n, when: ngettext(
            "%(num)d day overdue (was due by %(date)s)", "%(num)d days overdue (was due by %(date)s)", n, date=when
        ),
    )


def file_by(day: date, today: date | None = None) -> Deadline:
    """By when a monthly statistical return is to be filed (``day`` included)."""
    return _due(
        day,
        today,
        lambda n, when: ngettext("File by %(date)s, %(num)d day left", "File by %(date)s, %(num)d days left", n, date=when),
        lambda when: _("File by today (%(date)s)", date=when),
        lambda n, when: ngettext(
            "%(num)d day overdue (was to be filed by %(date)s)", "%(num)d days overdue (was to be filed by %(date)s)",
            n, date=when,
        ),
    )
