"""Certificate expiry and renewal reminders: the daily sweep, one tenant per job run.

Each step (one message, one tenant transaction) handles at most ``CHUNK`` certificates: first it
marks valid certificates whose ``valid_until`` has passed as ``expired`` (audited), then it writes
in-app reminders: ``renewal`` for valid certificates within the scheme's ``renewal_reminder_days`` of
their end, ``expired`` for expired ones. Reminders are unique per (tenant, certificate, kind), so a
rerun (or a duplicated message) creates none twice. Every step works from the data, not from
progress counters, so it is idempotent. The moment a run judges by is fixed when it starts.
"""

from __future__ import annotations

import json
from datetime import datetime

from pilotzone import db
from pilotzone.auth import audit
from pilotzone.auth.principal import Principal
from pilotzone.certification.notices import now
from pilotzone.certification.schemes import default_of
from pilotzone.jobs.services import job, start_run
from pilotzone.jobs.tables import JobRun
from pilotzone.notify.events import Event
from pilotzone.workflow import told
from pilotzone.workflow.scope import visible
from pilotzone.workflow.tables import Submission

KIND = "certificate_sweep"
CHUNK = 200
SYSTEM = "system: certificate sweep"

_EXPIRE = """
UPDATE certificate c SET status = 'expired'
  FROM (SELECT id FROM certificate WHERE status = 'valid' AND valid_until <= $1
         ORDER BY id LIMIT $2 FOR NO KEY UPDATE SKIP LOCKED) due
 WHERE c.id = due.id AND c.status = 'valid'
RETURNING c.id, c.number, c.valid_until
"""
REMINDER_DAYS = default_of("renewal_reminder_days")  # a stored spec without the field (SQL's $3)
_REMIND_RENEWAL = """
INSERT INTO certificate_reminder (tenant_id, certificate, kind, due, created_at)
SELECT c.tenant_id, c.id, 'renewal', c.valid_until, $1
  FROM certificate c JOIN application a ON a.id = c.application
 WHERE c.status = 'valid' AND c.valid_until <= $1::timestamptz + make_interval(days => COALESCE((a.spec ->> 'renewal_reminder_days')::int, $3))
   AND NOT EXISTS (SELECT 1 FROM certificate_reminder r WHERE r.certificate = c.id AND r.kind = 'renewal')
 ORDER BY c.id LIMIT $2
ON CONFLICT (tenant_id, certificate, kind) DO NOTHING
RETURNING certificate, due
"""
_REMIND_EXPIRED = """
INSERT INTO certificate_reminder (tenant_id, certificate, kind, due, created_at)
SELECT c.tenant_id, c.id, 'expired', c.valid_until, $1
  FROM certificate c
 WHERE c.status = 'expired'
   AND NOT EXISTS (SELECT 1 FROM certificate_reminder r WHERE r.certificate = c.id AND r.kind = 'expired')
 ORDER BY c.id LIMIT $2
ON CONFLICT (tenant_id, certificate, kind) DO NOTHING
RETURNING certificate, due
"""
_PENDING = """
SELECT (SELECT count(*) FROM certificate WHERE status = 'valid' AND valid_until <= $1)
     + (SELECT count(*) FROM certificate c JOIN application a ON a.id = c.application
         WHERE c.status = 'valid' AND c.valid_until <= $1::timestamptz + make_interval(days => COALESCE((a.spec ->> 'renewal_reminder_days')::int, $2))
           AND NOT EXISTS (SELECT 1 FROM certificate_reminder r WHERE r.certificate = c.id AND r.kind = 'renewal'))
     + (SELECT count(*) FROM certificate c WHERE c.status IN ('valid', 'expired') AND c.valid_until <= $1
           AND NOT EXISTS (SELECT 1 FROM certificate_reminder r WHERE r.certificate = c.id AND r.kind = 'expired'))
"""


def _moment(run: JobRun) -> datetime:
    args = json.loads(run.args) if isinstance(run.args, str) else dict(run.args or {})
    at = args.get("at")
    return datetime.fromisoformat(at) if at else now()


@job(KIND)
async def sweep_step(run: JobRun) -> bool:
    """One chunk: expire, then remind; True when nothing is left for the run's moment."""
    at = _moment(run)
    expired = await db.fetch(_EXPIRE, at, CHUNK)
    for row in expired:
        await audit.record(
            "certificate.expired",
            "certificate",
            row["id"],
            before={"status": "valid"},
            after={
                "status": "expired",
                "number": row["number"],
                "valid_until": row["valid_until"].isoformat(),
            },
            actor=SYSTEM,
        )
    handled = len(expired)
    left = CHUNK - handled
    for kind, sql, extra in (("renewal", _REMIND_RENEWAL, [REMINDER_DAYS]), ("expired", _REMIND_EXPIRED, [])):
        if left <= 0:
            break
        made = await db.fetch(sql, at, left, *extra)
        for row in made:
            await audit.record(
                "certificate.reminded",
                "certificate",
                row["certificate"],
                after={"kind": kind, "due": row["due"].isoformat()},
                actor=SYSTEM,
            )
        handled += len(made)
        left -= len(made)
    run.done += handled
    run.total = max(run.total, run.done)
    if handled < CHUNK:
        await _tell_expiring(at)
    return handled < CHUNK


# certificates ending within 30 days (but not 7) and within 7 days: one message each (notify's key)
_EXPIRING = """
SELECT id, application, number, subject_label, valid_until FROM certificate
 WHERE status = 'valid' AND valid_until > $1 AND valid_until > $1::timestamptz + make_interval(days => $2)
   AND valid_until <= $1::timestamptz + make_interval(days => $3)
"""


async def _tell_expiring(at: datetime) -> None:
    for days, shorter in ((30, 7), (7, 0)):
        for c in await db.fetch(_EXPIRING, at, shorter, days):
            await told.tell_about(
                Event.CERTIFICATE_EXPIRING, c["application"], f"certificate_expiring:{c['id']}:{days}",
                number=c["number"], title=c["subject_label"], days=days, due=told.day(c["valid_until"]),
            )


async def start_sweep(actor_label: str | None = None) -> JobRun:
    """Record a sweep of the current tenant (its message goes out after commit), audited."""
    at = now()
    pending = (await db.fetch(_PENDING, at, REMINDER_DAYS))[0][0]
    run = await start_run(KIND, total=int(pending), args={"at": at.isoformat()})
    await audit.record(
        "job.started", "job_run", run.id, after={"kind": KIND, "total": run.total}, actor=actor_label
    )
    return run


# -- what the holder and the bureau see

_REMINDERS = """
SELECT DISTINCT ON (c.id) r.kind, c.id, c.number, c.subject_label, c.status, c.valid_until, c.application
  FROM certificate_reminder r JOIN certificate c ON c.id = r.certificate AND c.tenant_id = r.tenant_id
  JOIN submission s ON s.id = c.application AND s.tenant_id = c.tenant_id
 WHERE c.status IN ('valid', 'expired') AND ($1::int IS NULL OR s.applicant_enterprise = $1)
   AND ($2::int IS NULL OR s.applicant_park = $2)
 ORDER BY c.id, (r.kind = 'expired') DESC
 LIMIT 200
"""


async def reminders_for(principal: Principal) -> list[dict]:
    """Reminders of the certificates held in the caller's scope (enterprise users, park operators)."""
    m = principal.acting
    if principal.province or m is None or m.role not in ("enterprise_user", "park_operator"):
        return []
    enterprise = m.enterprise_id if m.role == "enterprise_user" else None
    park = m.park_id if m.role == "park_operator" else None
    if enterprise is None and park is None:
        return []
    rows = [dict(r) for r in await db.fetch(_REMINDERS, enterprise, park)]
    ids = list({r["application"] for r in rows})
    subs = {s.id: s for s in await Submission.objects().where(Submission.id.is_in(ids))} if ids else {}
    moment = now()
    shown = []
    for row in rows:
        sub = subs.get(row["application"])
        if sub is None or not visible(principal, sub):
            continue
        row["days_left"] = max(0, (row["valid_until"] - moment).days)
        row["expired"] = row["status"] == "expired" or row["valid_until"] <= moment
        shown.append(row)
    return sorted(shown, key=lambda r: r["valid_until"])
