"""The job kind of notify (sending deliveries) and its periodic pass (retries, lost first sends); the
composition root collects ``ACTORS`` and ``PERIODIC`` (``pilotzone.actors``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pilotzone import db
from pilotzone.jobs.periodic import Periodic, every
from pilotzone.jobs.services import start_run
from pilotzone.jobs.tables import JobRun
from pilotzone.notify.delivery import KIND, delivery_step

_DUE = "SELECT 1 FROM notify_delivery WHERE status = 'pending' AND next_at <= $1 LIMIT 1"


async def _owed(now: datetime) -> bool:
    """A delivery is due (a retry, or a first send whose run was lost): else no run this minute."""
    return bool(await db.fetch(_DUE, now))


async def _retry(now: datetime) -> JobRun:
    return await start_run(KIND)


ACTORS = (delivery_step,)
PERIODIC = (Periodic(KIND, every(timedelta(minutes=1)), _retry, wanted=_owed),)
