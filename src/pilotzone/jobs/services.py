"""Job runs with an outbox: the row is written in the caller's transaction with ``send_due`` set (a
message is owed), the message is sent after commit, and the broker's acceptance clears ``send_due``.
A run whose message could not be sent (the broker was down, the process died first) keeps it: the
workers re-send such runs every ``JOB_RESEND_INTERVAL`` seconds (:func:`resend_unsent`), every
unfinished run when a worker starts (:func:`recover_unfinished`), and an administrator can re-send one
(:func:`resend`). Re-sending never duplicates work (see below).

A job is a *step* function ``async def step(run) -> bool`` registered with :func:`job`. Each message
processes one step (one chunk) in its own tenant transaction, with the run row locked; it returns
True when the run is complete, otherwise the next step is sent after commit. Steps are idempotent:
they work from the run's recorded progress, so a duplicated message does no harm.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import traceback
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import dramatiq

from pilotzone import db
from pilotzone.jobs.broker import send
from pilotzone.jobs.codes import JobKind, JobStatus
from pilotzone.jobs.tables import SEND_GRACE, UNFINISHED, JobRun
from pilotzone.settings import get_settings
from pilotzone.tenancy.context import TenantContext, current_tenant_id, tenant_transaction
from pilotzone.tenancy.tables import Tenant

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
Step = Callable[[JobRun], Awaitable[bool]]
_jobs: dict[str, dramatiq.Actor] = {}


def job(kind: JobKind | str) -> Callable[[Step], dramatiq.Actor]:
    """Declare a job kind (a :class:`JobKind`: an unknown one raises); the returned actor processes
    one step per message."""
    kind = JobKind(kind)

    def decorate(step: Step) -> dramatiq.Actor:
        async def process(run_id: int) -> None:
            tx = db.current_transaction()
            run = await JobRun.objects().where(JobRun.id == run_id).lock_rows().first()
            if run is None or run.status not in UNFINISHED:
                return  # unknown here (RLS) or already finished: a duplicate message
            run.send_due, run.send_error = None, ""  # the owed message arrived (even if its ack was lost)
            if run.status == JobStatus.QUEUED:
                run.status, run.started_at = JobStatus.RUNNING, datetime.now(UTC)
            savepoint = await tx.savepoint()
            try:
                finished = await step(run)
            except Exception as exc:
                await savepoint.rollback_to()
                await _record_failure(run, exc)
                return
            if finished:
                run.status, run.finished_at, run.error = JobStatus.DONE, datetime.now(UTC), ""
            else:
                _send_after_commit(run)
            await run.save()

        process.__name__ = process.__qualname__ = f"job_{kind}"
        actor = dramatiq.actor(actor_name=f"job_{kind}", max_retries=0)(process)
        _jobs[kind] = actor
        return actor

    return decorate


async def _record_failure(run: JobRun, exc: Exception) -> None:
    run.attempts += 1
    run.error = "".join(traceback.format_exception_only(exc)).strip()[:2000]
    log.warning("job run %s (%s) attempt %s failed: %s", run.id, run.kind, run.attempts, run.error)
    if run.attempts >= MAX_ATTEMPTS:
        run.status, run.finished_at, run.send_due = JobStatus.FAILED, datetime.now(UTC), None
    else:
        _send_after_commit(run, delay_ms=500 * 2**run.attempts)
    await run.save()


def _send_after_commit(run: JobRun, delay_ms: int | None = None) -> None:
    """The run owes a message from now on (``send_due``, saved by the caller's transaction); it is
    sent after commit, and the broker's acceptance is recorded."""
    due = datetime.now(UTC)
    run.send_due = due

    async def dispatch() -> None:
        await _deliver(run.kind, run.tenant, run.id, due, delay_ms)

    db.on_commit(dispatch)


async def _deliver(
    kind: str, tenant_id: int, run_id: int, due: datetime | None, delay_ms: int | None = None
) -> bool:
    """Send the message owed since ``due`` and record the outcome on the run (if it still owes that
    one): accepted clears ``send_due``; refused keeps it, with the reason for the pages."""
    try:  # a thread: a broker that does not answer must not hold up the event loop
        await asyncio.to_thread(send, _jobs[kind], tenant_id, run_id, delay_ms=delay_ms)
    except Exception as exc:
        reason = "".join(traceback.format_exception_only(exc)).strip()[:500]
        log.warning("job run %s (%s) not sent, the broker is unreachable: %s", run_id, kind, reason)
        await _record_send(tenant_id, run_id, due, reason)
        return False
    await _record_send(tenant_id, run_id, due, None)
    return True


async def _record_send(tenant_id: int, run_id: int, due: datetime | None, error: str | None) -> None:
    if due is None:
        return  # a re-send of a run that owed nothing (worker start-up)
    async with tenant_transaction(TenantContext(tenant_id)):
        if error is None:
            await db.fetch(
                "UPDATE job_run SET send_due = NULL, send_error = '', enqueued_at = now() "
                "WHERE id = $1 AND send_due = $2",
                run_id,
                due,
            )
        else:
            await db.fetch(
                "UPDATE job_run SET send_error = $3 WHERE id = $1 AND send_due = $2", run_id, due, error
            )


async def start_run(kind: str, total: int = 0, args: dict[str, Any] | None = None) -> JobRun:
    """Record a run in the current tenant transaction; its first message goes out after commit."""
    if kind not in _jobs:
        raise KeyError(f"unknown job kind {kind!r}")
    run = JobRun(
        tenant=current_tenant_id(), kind=kind, actor=_jobs[kind].actor_name, args=args or {}, total=total
    )
    _send_after_commit(run)
    await run.save()
    return run


# -- re-sending (the job service was down, or a process died between commit and send)

_UNFINISHED = ", ".join(f"'{status.value}'" for status in UNFINISHED)
_UNSENT = f"""
status IN ({_UNFINISHED}) AND send_due IS NOT NULL
AND (send_error <> '' OR send_due < now() - interval '{int(SEND_GRACE.total_seconds())} seconds')
"""

# A claim gives the run a new token and keeps its last refusal (the pages keep saying it waits until a
# send is accepted); a run claimed within SEND_GRACE is left to that claim, so two re-senders never
# send the same run.
_CLAIM = f"""
UPDATE job_run SET send_due = $2
 WHERE id = ANY($1::int[]) AND status IN ({_UNFINISHED}) AND send_due IS NOT NULL
   AND send_due < now() - interval '{int(SEND_GRACE.total_seconds())} seconds'
RETURNING id, kind
"""  # noqa: S608 - constant SQL; a concurrent re-sender re-checks the condition on the locked row


async def _tenants() -> list[dict]:
    async with db.transaction({"app.scope": "public"}):
        return await Tenant.select(Tenant.id, Tenant.slug)


async def _resend(tenant_id: int, ids: list[int] | None, stop: threading.Event | None) -> tuple[int, bool]:
    """Claim the tenant's unsent runs (``ids`` None: all of them) with a new token, then send them;
    stops at the first refusal (the broker is down: the rest keep their claim and are tried next time).
    (runs sent, broker reachable)."""
    due = datetime.now(UTC)
    async with tenant_transaction(TenantContext(tenant_id)):
        if ids is None:
            rows = await db.fetch(f"SELECT id FROM job_run WHERE {_UNSENT} ORDER BY id")  # noqa: S608
            ids = [r["id"] for r in rows]
        claimed = await db.fetch(_CLAIM, ids, due) if ids else []
    sent = 0
    for row in claimed:
        if stop is not None and stop.is_set():
            break
        if row["kind"] not in _jobs or not await _deliver(row["kind"], tenant_id, row["id"], due):
            return sent, row["kind"] not in _jobs
        sent += 1
    return sent, True


async def resend_unsent(stop: threading.Event | None = None) -> int:
    """Every tenant's runs that were recorded but not sent, sent now (the workers call it every
    ``JOB_RESEND_INTERVAL`` seconds). Returns how many went out; stops while the broker refuses."""
    count = 0
    for tenant in await _tenants():
        sent, reachable = await _resend(tenant["id"], None, stop)
        count += sent
        if not reachable or (stop is not None and stop.is_set()):
            break
    return count


async def resend(run_id: int) -> JobRun | None:
    """An administrator's retry of one unfinished run of the current tenant (unsent or stalled): a new
    message after commit. Duplicates do no harm: each step works from the run's recorded progress."""
    run = await JobRun.objects().where(JobRun.id == run_id).lock_rows().first()
    if run is None or run.status not in UNFINISHED or run.kind not in _jobs:
        return None
    _send_after_commit(run)  # the last refusal stays shown until a send is accepted
    await run.save([JobRun.send_due, JobRun.send_error])
    return run


async def recover_unfinished(stop: threading.Event | None = None) -> int:
    """Send every unfinished run again (worker start-up: a message may have died with a worker);
    duplicates are harmless by design. Stops at the first refusal (the broker is down: what still
    owes a message is re-sent by :func:`resend_unsent` once it is back)."""
    count = 0
    for tenant in await _tenants():
        async with tenant_transaction(TenantContext(tenant["id"], tenant["slug"])):
            runs = await JobRun.select(JobRun.id, JobRun.kind, JobRun.send_due).where(
                JobRun.status.is_in(list(UNFINISHED))
            )
        for run in runs:
            if stop is not None and stop.is_set():
                return count
            if run["kind"] not in _jobs:
                continue
            if not await _deliver(run["kind"], tenant["id"], run["id"], run["send_due"]):
                return count
            count += 1
    return count


async def waiting_runs() -> list[JobRun]:
    """The current tenant's unfinished runs that wait: not sent (the job service was unreachable) or
    sent more than ``JOB_STALL_AFTER`` seconds ago without progress since (stalled); oldest first."""
    stall = timedelta(seconds=get_settings().job_stall_after)
    now = datetime.now(UTC)
    unfinished = await JobRun.objects().where(JobRun.status.is_in(list(UNFINISHED))).order_by(JobRun.id)
    return [
        r
        for r in unfinished
        if r.unsent or (r.send_due is None and (r.enqueued_at or r.created_at) < now - stall)
    ]


async def recent_runs(limit: int = 50) -> list[JobRun]:
    return await JobRun.objects().order_by(JobRun.id, ascending=False).limit(limit)


async def get_run(run_id: int) -> JobRun | None:
    return await JobRun.objects().where(JobRun.id == run_id).first()
