"""Certificates for notices that have ended, issued by the system (job kind ``certificate_issue``).

Whether a notice runs follows from its dates (:func:`pilotzone.certification.notices.running_sql`), so
nothing has to happen for the public list or the objections when it ends; the certificate, though, is
a stored step (number, PDF, audit). The scheduler starts this job hourly per tenant (and the bureau
administrator's "issue due certificates" does the same at once): each step issues at most one batch of
:func:`pilotzone.certification.certificates.issue_due_certificates` (200), linking the QR codes to
``PUBLIC_URL``. Idempotent: an application is claimed once, a rerun finds nothing due.
"""

from __future__ import annotations

from pilotzone import db
from pilotzone.auth import audit
from pilotzone.certification.certificates import BATCH, DUE_COUNT, issue_due_certificates
from pilotzone.certification.notices import now
from pilotzone.jobs.services import job, start_run
from pilotzone.jobs.tables import JobRun
from pilotzone.settings import get_settings

KIND = "certificate_issue"
SYSTEM = "system: certificate issue"


@job(KIND)
async def issue_step(run: JobRun) -> bool:
    """One batch of due certificates; True when fewer than a batch were due."""
    issued = await issue_due_certificates(get_settings().public_url)
    run.done += len(issued)
    run.total = max(run.total, run.done)
    return len(issued) < BATCH


async def start_issue(actor_label: str | None = SYSTEM) -> JobRun:
    """Record an issue run of the current tenant (its message goes out after commit), audited."""
    due = (await db.fetch(DUE_COUNT, now()))[0][0]
    run = await start_run(KIND, total=int(due))
    await audit.record(
        "job.started", "job_run", run.id, after={"kind": KIND, "total": run.total}, actor=actor_label
    )
    return run
