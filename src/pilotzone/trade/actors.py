"""The job kinds of this package; the composition root collects ``ACTORS`` (``pilotzone.actors``) and
``PERIODIC`` (``pilotzone.schedule``)."""

from __future__ import annotations

from pilotzone.trade.import_job import import_step

ACTORS = (import_step,)
PERIODIC = ()
