"""The job kind of notify (sending deliveries) and its periodic pass (retries, lost first sends); the
composition root collects ``ACTORS`` and ``PERIODIC`` (``pilotzone.actors``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pilotzone.jobs.periodic import Periodic, every
from pilotzone.jobs.services import start_run
from pilotzone.jobs.tables import JobRun
from pilotzone.notify.delivery import KIND, delivery_step


async def _retry(now: datetime) -> JobRun:
    return await start_run(KIND)


ACTORS = (delivery_step,)
PERIODIC = (Periodic(KIND, every(timedelta(minutes=1)), _retry),)
