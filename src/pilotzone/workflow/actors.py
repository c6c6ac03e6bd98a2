"""The job kinds of the engine and when they run by themselves; the composition root collects
``ACTORS`` (``pilotzone.actors``, the workers) and ``PERIODIC`` (``pilotzone.schedule``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pilotzone.jobs.periodic import Periodic, every
from pilotzone.jobs.tables import JobRun
from pilotzone.workflow import due

ACTORS = (due.due_step,)


async def _due(now: datetime) -> JobRun:
    return await due.start_due(now)


PERIODIC = (
    # information requests: a reminder 2 days before the due date and once overdue (due.py)
    Periodic(due.KIND, every(timedelta(hours=1)), _due, due.wanted),
)
