"""The job kinds of this package and when they run by themselves; the composition root collects
``ACTORS`` (``pilotzone.actors``, the workers) and ``PERIODIC`` (``pilotzone.schedule``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pilotzone.funding import deadlines
from pilotzone.funding.calculation import calculation_step
from pilotzone.jobs.periodic import Periodic, every
from pilotzone.jobs.tables import JobRun

ACTORS = (calculation_step, deadlines.deadlines_step)


async def _deadlines(now: datetime) -> JobRun:
    return await deadlines.start_deadlines(now)


PERIODIC = (
    # rounds open and close by their dates; reminders before the close (deadlines.py)
    Periodic(deadlines.KIND, every(timedelta(hours=1)), _deadlines, deadlines.wanted),
)
