"""Rounds open and close by their dates, and the reminders before a round closes.

A periodic run (kind ``funding_deadlines``, hourly, ``actors.PERIODIC``, started by
``pilotzone.schedule.tick``) judges by the moment it was started with (``args.at``) and, in the
tenant's transaction:

1. moves every round whose dates say so (``states.state_on``, tenant dates in Asia/Shanghai): scheduled
   → open on ``opens_at``, scheduled/open → closed once ``closes_at`` has ended; each move audited
   (``round.opened`` / ``round.closed`` with ``"by": "date"``). The bureau admin's early close
   (``calculation.close_round``) stays as it was.
2. sends the reminders of :func:`reminders_due`: 7 days and 1 day before the close day to the users of
   each subject holding a draft in the round, and 7 days before to the users of subjects that meet the
   program's subject rules and have not applied. Each reminder has a key unique per round, mark and
   subject, so a re-run sends nothing twice.

Submission itself checks the dates, not the stored state (``applications.submit``): between the end
of the close day and the next run nobody can submit either.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from pilotzone import db
from pilotzone.auth import audit
from pilotzone.funding.facts import subject_facts
from pilotzone.funding.program_spec import from_stored
from pilotzone.funding.programs import SubjectFacts
from pilotzone.funding.states import BY_DATE, RoundState
from pilotzone.jobs.codes import JobKind
from pilotzone.jobs.periodic import moment_of
from pilotzone.jobs.services import job, start_run
from pilotzone.jobs.tables import JobRun
from pilotzone.notify.events import Event
from pilotzone.tenancy.context import current_context
from pilotzone.web.deadlines import Deadline, closes_in, opens_on, tenant_today
from pilotzone.workflow import told
from pilotzone.workflow.due import Reminder, send
from pilotzone.workflow.states import Kind

KIND = JobKind.FUNDING_DEADLINES.value
SYSTEM = "system: round dates"
MARKS = (7, 1)  # days before the close day: a reminder at each (the first mark at or above the days left)

_BY_DATE = ", ".join(f"'{s.value}'" for s in BY_DATE)
_MOVE = f"""
WITH due AS (
  SELECT id, status FROM round
   WHERE status IN ({_BY_DATE}) AND (closes_at < $1 OR (status = 'scheduled' AND opens_at <= $1))
   ORDER BY id FOR UPDATE)
UPDATE round r
   SET status = CASE WHEN r.closes_at < $1 THEN 'closed' ELSE 'open' END, updated_at = $2
  FROM due
 WHERE r.id = due.id
RETURNING r.id, r.key, r.program, due.status AS before, r.status AS after, r.opens_at, r.closes_at
"""  # noqa: S608 - fixed SQL text (the states are the enum's), values are parameters


def round_deadline(status: str, opens_at: date, closes_at: date, today: date | None = None) -> Deadline | None:
    """What a page says about a round's dates: when it opens (not open yet), the time left (open), when
    it closed (closed by date or by the bureau); None once it is calculated or further."""
    state = RoundState(status)
    if state is RoundState.SCHEDULED and (today or tenant_today()) < opens_at:
        return opens_on(opens_at, today)
    if state in (RoundState.SCHEDULED, RoundState.OPEN, RoundState.CLOSED):
        return closes_in(closes_at, today)
    return None


def taking_applications(status: str, opens_at: date, closes_at: date, today: date | None = None) -> bool:
    """Whether a round takes applications on ``today`` (tenant date): by its dates, unless the bureau
    closed it early (a round not yet moved by the periodic run counts by its dates)."""
    today = today or tenant_today()
    return status in BY_DATE and opens_at <= today <= closes_at


async def move_by_dates(at: datetime) -> list[dict]:
    """Open and close the current tenant's rounds as their dates say at ``at``; the rounds moved."""
    rows = [dict(r) for r in await db.fetch(_MOVE, tenant_today(at), at)]
    for row in rows:
        action = "round.opened" if row["after"] == RoundState.OPEN else "round.closed"
        await audit.record(
            action,
            "round",
            row["id"],
            before={"status": row["before"]},
            after={
                "status": row["after"],
                "by": "date",
                "opens_at": row["opens_at"].isoformat(),
                "closes_at": row["closes_at"].isoformat(),
            },
            actor=SYSTEM,
        )
    return rows


# -- reminders


def mark_of(days_left: int) -> int | None:
    """The reminder mark for ``days_left`` before the close day (0: the close day itself): 7 for 2–7
    days, 1 for 0–1 days, None otherwise."""
    if days_left < 0:
        return None
    found = [m for m in MARKS if days_left <= m]
    return min(found) if found else None


_CLOSING = f"""
SELECT r.id, r.key, r.name_zh, r.name_en, r.closes_at, p.name_zh AS program_zh, p.name_en AS program_en,
       p.key AS program_key, p.subject, v.spec
  FROM round r JOIN program p ON p.id = r.program AND p.tenant_id = r.tenant_id
  JOIN program_version v ON v.id = p.current_version AND v.tenant_id = p.tenant_id
 WHERE r.status IN ({_BY_DATE}) AND p.active AND r.opens_at <= $1 AND r.closes_at BETWEEN $1 AND $2
 ORDER BY r.id
"""  # noqa: S608 - fixed SQL text, values are parameters

# the drafts of a round and the users who hold them: an enterprise's users, or a park's operators for
# a park's application (the subject decides whose it is)
_DRAFTS = """
SELECT s.id, s.subject_kind, s.subject_id, s.subject_label,
       array_agg(DISTINCT m."user" ORDER BY m."user") FILTER (WHERE m."user" IS NOT NULL) AS users
  FROM funding_application a JOIN submission s ON s.id = a.id AND s.tenant_id = a.tenant_id
  LEFT JOIN membership m ON m.tenant_id = s.tenant_id AND m.active AND (
       (s.subject_kind = 'park' AND m.role = 'park_operator' AND m.park = s.applicant_park)
    OR (s.subject_kind <> 'park' AND m.role = 'enterprise_user' AND m.enterprise = s.applicant_enterprise))
 WHERE a.round = $1 AND s.status = 'draft'
 GROUP BY s.tenant_id, s.id ORDER BY s.id
"""

# subjects of the program's kind (enterprises or parks) with no application in the round, active, and
# their users (an enterprise program: its users; a park program: the park's operators)
_NOT_APPLIED = """
SELECT x.id, x.name, array_agg(DISTINCT m."user" ORDER BY m."user") AS users
  FROM (SELECT tenant_id, id, name, 'enterprise' AS kind FROM enterprise
         WHERE $2 = 'enterprise' AND status = 'active'
        UNION ALL
        SELECT tenant_id, id, name_zh AS name, 'park' FROM park WHERE $2 = 'park' AND status = 'active') x
  JOIN membership m ON m.tenant_id = x.tenant_id AND m.active AND (
       (x.kind = 'enterprise' AND m.role = 'enterprise_user' AND m.enterprise = x.id)
    OR (x.kind = 'park' AND m.role = 'park_operator' AND m.park = x.id))
 WHERE NOT EXISTS (SELECT 1 FROM funding_application a JOIN submission s ON s.id = a.id AND s.tenant_id = a.tenant_id
                    WHERE a.round = $1 AND s.subject_kind = x.kind AND s.subject_id = x.id
                      AND s.status <> 'withdrawn')
 GROUP BY x.id, x.name ORDER BY x.id
"""
INVITED_KINDS = ("enterprise", "park")  # programs whose non-applicants are reminded (warehouses, talents: not)


def _meets_subject_rules(spec: Any, facts: SubjectFacts | None) -> bool:
    """The program's rules about the subject (registered, certified, not negative-listed) hold."""
    if facts is None:
        return False
    for rule in spec.eligibility:
        if rule.kind == "registered" and not facts.registered:
            return False
        if rule.kind == "certified" and rule.scheme not in facts.certifications:
            return False
        if rule.kind == "not_on_negative_list" and facts.negative_entry is not None:
            return False
    return True


def _params(row: dict, days_left: int) -> dict[str, Any]:
    return {"title": f"{row['program_zh']} · {row['name_zh']}", "due": row["closes_at"].isoformat(), "days": days_left}


def _program_link(key: str) -> str:
    """The program's page (reminders are made by the worker, which has no request to reverse a route)."""
    ctx = current_context()
    return f"/z/{ctx.slug}/programs/{key}" if ctx is not None and ctx.slug else ""


async def reminders_due(now: datetime) -> list[Reminder]:
    """The reminders of the current tenant's rounds closing soon at ``now`` (see the module doc)."""
    today = tenant_today(now)
    rows = [dict(r) for r in await db.fetch(_CLOSING, today, date.fromordinal(today.toordinal() + max(MARKS)))]
    out: list[Reminder] = []
    for row in rows:
        days_left = (row["closes_at"] - today).days
        mark = mark_of(days_left)
        if mark is None:
            continue
        params = _params(row, days_left)
        for draft in await db.fetch(_DRAFTS, row["id"]):
            if draft["users"]:
                out.append(
                    Reminder(
                        Event.DEADLINE_APPROACHING,
                        tuple(draft["users"]),
                        f"deadline:round:{row['id']}:{mark}d:submission:{draft['id']}",
                        {**params, "reference": f"#{draft['id']}", "subject": draft["subject_label"]},
                        "funding_application",
                        "funding_application_id",
                        draft["id"],
                        told.link_to(Kind.FUNDING, draft["id"]),
                    )
                )
        if mark == max(MARKS) and row["subject"] in INVITED_KINDS:
            out.extend(await _not_applied(row, today, params))
    return out


async def _not_applied(row: dict, today: date, params: dict[str, Any]) -> list[Reminder]:
    spec = from_stored(json.loads(row["spec"]) if isinstance(row["spec"], str) else row["spec"])
    candidates = [dict(r) for r in await db.fetch(_NOT_APPLIED, row["id"], row["subject"])]
    facts = await subject_facts([(row["subject"], c["id"]) for c in candidates], today)
    return [
        Reminder(
            Event.DEADLINE_APPROACHING,
            tuple(c["users"]),
            f"deadline:round:{row['id']}:{max(MARKS)}d:{row['subject']}:{c['id']}",
            {**params, "subject": c["name"]},
            "program",
            "program_key",
            row["program_key"],
            _program_link(row["program_key"]),
        )
        for c in candidates
        if _meets_subject_rules(spec, facts.get((row["subject"], c["id"])))
    ]


# -- the periodic run

_WANTED = f"""
SELECT EXISTS (SELECT 1 FROM round
                WHERE status IN ({_BY_DATE})
                  AND (closes_at <= $2 OR (status = 'scheduled' AND opens_at <= $1)))
"""  # noqa: S608 - fixed SQL text, values are parameters


async def wanted(at: datetime) -> bool:
    """Whether the run has anything to do at ``at``: a round to open or close, or one closing within the
    reminders' reach (the scheduler starts no run otherwise)."""
    today = tenant_today(at)
    rows = await db.fetch(_WANTED, today, date.fromordinal(today.toordinal() + max(MARKS)))
    return bool(rows[0][0])




@job(KIND)
async def deadlines_step(run: JobRun) -> bool:
    """Move the rounds by their dates, then send the reminders due; one step (a tenant has few rounds)."""
    at = moment_of(run)
    moved = await move_by_dates(at)
    sent = await send(await reminders_due(at))
    run.done = run.total = len(moved) + sent
    return True


async def start_deadlines(at: datetime) -> JobRun:
    """Record the current tenant's run for the moment ``at`` (its message goes out after commit)."""
    return await start_run(KIND, total=0, args={"at": at.isoformat()})
