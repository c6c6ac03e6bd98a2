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


async def _retry(now: datetime) -> JobRun:
    """A delivery run when something is due; with nothing owed the latest run stands for this tick
    (no row a minute per tenant in the job list)."""
    last = await JobRun.objects().where(JobRun.kind == KIND).order_by(JobRun.id, ascending=False).first()
    if last is not None and not await db.fetch(_DUE, now):
        return last
    return await start_run(KIND)


ACTORS = (delivery_step,)
PERIODIC = (Periodic(KIND, every(timedelta(minutes=1)), _retry),)
