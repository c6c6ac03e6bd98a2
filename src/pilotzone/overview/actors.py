"""The job kinds of this package and when they run by themselves; the composition root collects
``ACTORS`` (``pilotzone.actors``, the workers) and ``PERIODIC`` (``pilotzone.schedule``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from pilotzone.jobs.periodic import Periodic, every
from pilotzone.jobs.tables import JobRun
from pilotzone.overview import reports, rollups

ACTORS = (rollups.refresh_step, reports.report_step)


def previous_month(now: datetime) -> str:
    first = now.astimezone(UTC).date().replace(day=1)
    return f"{(first - timedelta(days=1)):%Y-%m}"


def month_not_reported(last: JobRun | None, now: datetime) -> bool:
    """The report of the month before ``now`` has not been started yet."""
    if last is None:
        return True
    # the scheduler reads runs with load_json=True (Piccolo types a JSONB value as its text)
    args = cast("dict[str, Any] | None", last.args)
    return (args or {}).get("month") != previous_month(now)


async def _refresh(now: datetime) -> JobRun:
    return await rollups.request_refresh()


async def _report(now: datetime) -> JobRun:
    return await reports.start_report(previous_month(now))


PERIODIC = (
    Periodic("overview_refresh", every(timedelta(hours=1)), _refresh),  # the dashboards' rollups
    Periodic("overview_monthly_report", month_not_reported, _report),  # last month's report
)
