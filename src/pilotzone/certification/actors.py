"""The job kinds of this package and when they run by themselves; the composition root collects
``ACTORS`` (``pilotzone.actors``, the workers) and ``PERIODIC`` (``pilotzone.schedule``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pilotzone.certification import expiry, issuing
from pilotzone.jobs.periodic import Periodic, every
from pilotzone.jobs.tables import JobRun

ACTORS = (expiry.sweep_step, issuing.issue_step)


async def _sweep(now: datetime) -> JobRun:
    return await expiry.start_sweep("scheduler")


async def _issue(now: datetime) -> JobRun:
    return await issuing.start_issue()


PERIODIC = (
    Periodic(expiry.KIND, every(timedelta(days=1)), _sweep),  # expiry and renewal reminders
    Periodic(issuing.KIND, every(timedelta(hours=1)), _issue),  # certificates of ended notices
)
