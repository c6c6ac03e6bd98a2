"""The reconciliation as a job (kind ``trade_reconcile``, one run per tenant): started by a write path
(``reconcile_later(periods)`` after an import, an accepted return or an API write: the months written)
and daily by the scheduler (the last 13 closed months and the current one). One step: a tenant has few
enterprises × months × modes, and ``reconcile`` is two statements."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from pilotzone import db
from pilotzone.jobs.codes import JobKind
from pilotzone.jobs.periodic import Periodic, every, moment_of
from pilotzone.jobs.services import job, start_run
from pilotzone.jobs.tables import JobRun
from pilotzone.trade.codes import Source
from pilotzone.trade.reconcile import reconcile
from pilotzone.web.deadlines import tenant_today

KIND = JobKind.TRADE_RECONCILE.value
MONTHS_BACK = 13  # the daily run: this month and the 13 before (a year and its corrections)


def recent_months(today: date, back: int = MONTHS_BACK) -> list[date]:
    """The first days of ``today``'s month and the ``back`` months before it, oldest first."""
    index = today.year * 12 + today.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - back, index + 1)]


@job(KIND)
async def reconcile_step(run: JobRun) -> bool:
    args = json.loads(run.args) if isinstance(run.args, str) else dict(run.args or {})
    periods = [date.fromisoformat(p) for p in args.get("periods", [])]
    if not periods:
        periods = recent_months(tenant_today(moment_of(run)))
    counts = await reconcile(periods)
    run.total = run.done = counts.flagged + counts.cleared
    return True


async def reconcile_later(periods: Iterable[date]) -> JobRun:
    """Start a run for ``periods`` in the current tenant's transaction (its message goes out after
    commit): what a write path calls once its figures are written."""
    months = sorted({p.replace(day=1).isoformat() for p in periods})
    return await start_run(KIND, args={"periods": months})


async def _wanted(now: datetime) -> bool:
    """Only a tenant that holds official figures has anything to reconcile."""
    rows = await db.fetch(f"SELECT EXISTS (SELECT 1 FROM trade_figure WHERE source = '{Source.OFFICIAL.value}')")  # noqa: S608 - a constant
    return bool(rows[0][0])


async def _daily(now: datetime) -> JobRun:
    return await start_run(KIND, args={"at": now.isoformat()})


ACTORS = (reconcile_step,)
PERIODIC = (Periodic(KIND, every(timedelta(days=1)), _daily, _wanted),)
