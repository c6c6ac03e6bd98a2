"""The job kinds of this package and when they run by themselves; the composition root collects
``ACTORS`` (``pilotzone.actors``, the workers) and ``PERIODIC`` (``pilotzone.schedule``)."""

from __future__ import annotations

from pilotzone.trade import return_reminders

ACTORS = (*return_reminders.ACTORS,)
PERIODIC = (*return_reminders.PERIODIC,)
