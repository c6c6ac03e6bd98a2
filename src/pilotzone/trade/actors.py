"""The job kinds of this package and when they run by themselves; the composition root collects
``ACTORS`` (``pilotzone.actors``, the workers) and ``PERIODIC`` (``pilotzone.schedule``)."""

from __future__ import annotations

from pilotzone.trade import reconcile_job, return_reminders
from pilotzone.trade.import_job import import_step

ACTORS = (*return_reminders.ACTORS, *reconcile_job.ACTORS, import_step)
PERIODIC = (*return_reminders.PERIODIC, *reconcile_job.PERIODIC)
