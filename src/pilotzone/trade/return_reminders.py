"""The reminder before a monthly return is due: 3 days before the deadline (``MARK``), to the users of
every active enterprise that has not submitted the return of the last ended month. A periodic run (kind
``return_reminders``, hourly while a deadline is within reach, ``PERIODIC``) sends them; the key is
per enterprise and month (``return_due:<enterprise>:<YYYY-MM>``), so a re-run sends nothing twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from pilotzone import db
from pilotzone.jobs.codes import JobKind
from pilotzone.jobs.periodic import Periodic, every, moment_of
from pilotzone.jobs.services import job, start_run
from pilotzone.jobs.tables import JobRun
from pilotzone.notify.events import Event
from pilotzone.tenancy.context import current_context
from pilotzone.trade.return_dates import due_on, last_ended, period_label, period_text, return_day
from pilotzone.web.deadlines import tenant_today
from pilotzone.workflow.due import Reminder, send

KIND = JobKind.RETURN_REMINDERS.value
MARK = 3  # days before the deadline

# active enterprises without a submitted return of the month, with their users
_NOT_FILED = """
SELECT e.id, e.name, array_agg(DISTINCT m."user" ORDER BY m."user") AS users
  FROM enterprise e
  JOIN membership m ON m.tenant_id = e.tenant_id AND m.active AND m.role = 'enterprise_user' AND m.enterprise = e.id
 WHERE e.status = 'active'
   AND NOT EXISTS (SELECT 1 FROM trade_return r JOIN submission s ON s.id = r.id AND s.tenant_id = r.tenant_id
                    WHERE r.enterprise = e.id AND r.period = $1 AND s.submitted_at IS NOT NULL)
 GROUP BY e.id, e.name ORDER BY e.id
"""


async def reminders_due(now: datetime) -> list[Reminder]:
    """The reminders owed at ``now``: none unless the last ended month's deadline is 0–``MARK`` days away."""
    today = tenant_today(now)
    period = last_ended(today)
    due = due_on(period, await return_day())
    if not 0 <= (due - today).days <= MARK:
        return []
    ctx = current_context()
    link = f"/z/{ctx.slug}/returns/" if ctx is not None and ctx.slug else ""
    params = {"title": period_label(period), "due": due.isoformat()}
    return [
        Reminder(
            Event.RETURN_DUE,
            tuple(row["users"]),
            f"return_due:{row['id']}:{period_text(period)}",
            {**params, "reference": row["name"]},
            link=link,
        )
        for row in await db.fetch(_NOT_FILED, period)
    ]


async def wanted(at: datetime) -> bool:
    today = tenant_today(at)
    due = due_on(last_ended(today), await return_day())
    return 0 <= (due - today).days <= MARK


@job(KIND)
async def reminders_step(run: JobRun) -> bool:
    sent = await send(await reminders_due(moment_of(run)))
    run.done = run.total = sent
    return True


async def start_reminders(at: datetime) -> JobRun:
    return await start_run(KIND, total=0, args={"at": at.isoformat()})


ACTORS = (reminders_step,)
PERIODIC = (Periodic(KIND, every(timedelta(hours=1)), start_reminders, wanted),)
