"""Information requests that are due: the time left shown in the application lists, and the reminders
to the applicant 2 days before the due date and once it has passed, for every kind of submission.

A reminder (:class:`Reminder`) names its notify event, recipients, a key unique per reminder (notify
sends one key once per recipient, so a re-run sends nothing twice), the texts' parameters and the page
it links to (the route and id, and the link notify stores). :func:`reminders_due` computes them for the
current tenant at a moment; the periodic run ``info_due`` (``workflow.actors``, hourly) hands them to
``notify.emit`` (:func:`send`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from pilotzone import db
from pilotzone.jobs.codes import JobKind
from pilotzone.jobs.periodic import moment_of
from pilotzone.jobs.services import job, start_run
from pilotzone.jobs.tables import JobRun
from pilotzone.notify.events import Event
from pilotzone.notify.services import emit
from pilotzone.notify.tables import NotifyMessage
from pilotzone.tenancy.middleware import current_tenant_zone
from pilotzone.web.deadlines import Deadline, answer_by, tenant_today
from pilotzone.web.worklist import WorkEntry
from pilotzone.workflow import told
from pilotzone.workflow.states import Decision, Kind

KIND = JobKind.INFO_DUE.value
BEFORE = 2  # days before the due date: one reminder (and one once overdue)
# the applicant's page of a submission, per kind: (route name, its id parameter)
PAGES: dict[str, tuple[str, str]] = {
    Kind.CERTIFICATION: ("application", "application_id"),
    Kind.FUNDING: ("funding_application", "funding_application_id"),
}


@dataclass(frozen=True)
class Reminder:
    """One reminder: the notify event, its recipients, a key unique per reminder, the texts' parameters
    and the page it links to (``route`` with ``{param: target}``; ``link``: its path)."""

    event: Event
    to: tuple[int, ...]
    key: str
    params: dict[str, Any] = field(default_factory=dict)
    route: str = ""
    param: str = ""
    target: int | str = 0
    link: str = ""


# the latest request of each submission among $1 (waiting for its answer)
_OPEN = f"""
SELECT * FROM (
  SELECT DISTINCT ON (r.submission) r.submission, r.id, r.due_on, r.answered_at
    FROM review_step r JOIN submission s ON s.id = r.submission AND s.tenant_id = r.tenant_id
   WHERE r.submission = ANY($1::int[]) AND r.decision = '{Decision.REQUEST_INFO.value}'
     AND s.status = 'info_requested'
   ORDER BY r.submission, r.id DESC) latest
 WHERE answered_at IS NULL AND due_on IS NOT NULL
"""  # noqa: S608 - fixed SQL text, values are parameters


async def due_of(submission_ids: Sequence[int]) -> dict[int, Deadline]:
    """The due date (with the days left or overdue) of each submission among ``submission_ids`` whose
    information request waits for its answer."""
    if not submission_ids:
        return {}
    today = tenant_today()
    rows = await db.fetch(_OPEN, list(submission_ids))
    return {r["submission"]: answer_by(r["due_on"], today) for r in rows}



async def with_due(entries: Sequence[tuple[int, WorkEntry]]) -> list[WorkEntry]:
    """Workspace entries of submissions waiting for an answer (submission id, entry), each with its
    request's due date: the words ("请于 … 前补正，剩 3 天") as its note, the end of that day as its due."""
    dues = await due_of([i for i, _ in entries])
    zone = ZoneInfo(current_tenant_zone() or "Asia/Shanghai")
    return [
        msgspec.structs.replace(e, note=dues[i].text, due=datetime.combine(dues[i].day, time.max, tzinfo=zone))
        if i in dues
        else e
        for i, e in entries
    ]

# requests waiting for their answer whose due date is at most BEFORE days ahead (or past), with the
# users of the applicant: a park's operators for a park's submission, else the enterprise's users
_DUE = f"""
SELECT q.id, q.submission, q.due_on, s.kind, s.subject_label,
       array_agg(DISTINCT m."user" ORDER BY m."user") FILTER (WHERE m."user" IS NOT NULL) AS users
  FROM (SELECT DISTINCT ON (r.submission) r.id, r.submission, r.due_on, r.answered_at, r.tenant_id
          FROM review_step r JOIN submission s ON s.id = r.submission AND s.tenant_id = r.tenant_id
         WHERE r.decision = '{Decision.REQUEST_INFO.value}' AND s.status = 'info_requested'
         ORDER BY r.submission, r.id DESC) q
  JOIN submission s ON s.id = q.submission AND s.tenant_id = q.tenant_id
  LEFT JOIN membership m ON m.tenant_id = s.tenant_id AND m.active AND (
       (s.subject_kind = 'park' AND m.role = 'park_operator' AND m.park = s.applicant_park)
    OR (s.subject_kind <> 'park' AND m.role = 'enterprise_user' AND m.enterprise = s.applicant_enterprise))
 WHERE q.answered_at IS NULL AND q.due_on IS NOT NULL AND q.due_on <= $1
 GROUP BY q.id, q.submission, q.due_on, s.kind, s.subject_label
 ORDER BY q.id
"""  # noqa: S608 - fixed SQL text, values are parameters


async def reminders_due(now: datetime) -> list[Reminder]:
    """The current tenant's information-request reminders at ``now``: ``<step>:2d`` when the due date
    is 0–2 days ahead, ``<step>:overdue`` once it has passed (tenant dates)."""
    today = tenant_today(now)
    out = []
    for row in await db.fetch(_DUE, today + timedelta(days=BEFORE)):
        if not row["users"]:
            continue
        days_left = (row["due_on"] - today).days
        mark = "overdue" if days_left < 0 else f"{BEFORE}d"
        route, param = PAGES.get(row["kind"], ("", ""))
        out.append(
            Reminder(
                Event.INFO_DUE,
                tuple(row["users"]),
                f"info_due:{row['id']}:{mark}",
                {
                    "reference": f"#{row['submission']}",
                    "title": row["subject_label"],
                    "due": row["due_on"].isoformat(),
                    "days": days_left,
                    "overdue": -days_left if days_left < 0 else 0,
                },
                route,
                param,
                row["submission"],
                told.link_to(row["kind"], row["submission"]),
            )
        )
    return out


async def send(reminders: Sequence[Reminder]) -> int:
    """Hand the reminders to notify (in the run's transaction); the number of messages written (a
    recipient who already had a reminder's key gets none: a re-run sends nothing twice). The keys
    already given are read first, in one query, so an hourly re-run renders nothing again."""
    if not reminders:
        return 0
    m = NotifyMessage
    given = {
        (row["key"], row["recipient"])
        for row in await m.select(m.key, m.recipient).where(m.key.is_in([r.key for r in reminders]))
    }
    written = 0
    for reminder in reminders:
        to = [user for user in reminder.to if (reminder.key, user) not in given]
        if to:
            messages = await emit(reminder.event, to, link=reminder.link, params=reminder.params, key=reminder.key)
            written += len(messages)
    return written


# -- the periodic run

_WANTED = f"""
SELECT EXISTS (SELECT 1 FROM review_step r JOIN submission s ON s.id = r.submission AND s.tenant_id = r.tenant_id
                WHERE r.decision = '{Decision.REQUEST_INFO.value}' AND s.status = 'info_requested'
                  AND r.answered_at IS NULL AND r.due_on <= $1)
"""  # noqa: S608 - fixed SQL text, values are parameters


async def wanted(at: datetime) -> bool:
    """Whether a request waiting for its answer is due within :data:`BEFORE` days of ``at`` (or past):
    the scheduler starts no run otherwise."""
    rows = await db.fetch(_WANTED, tenant_today(at) + timedelta(days=BEFORE))
    return bool(rows[0][0])




@job(KIND)
async def due_step(run: JobRun) -> bool:
    """Send the information-request reminders due at the run's moment; one step."""
    run.done = run.total = await send(await reminders_due(moment_of(run)))
    return True


async def start_due(at: datetime) -> JobRun:
    """Record the current tenant's run for the moment ``at`` (its message goes out after commit)."""
    return await start_run(KIND, total=0, args={"at": at.isoformat()})
