"""Job runs with an outbox: the row is written in the caller's transaction, the message is sent
after commit, and unfinished runs are sent again when a worker starts.

A job is a *step* function ``async def step(run) -> bool`` registered with :func:`job`. Each message
processes one step (one chunk) in its own tenant transaction, with the run row locked; it returns
True when the run is complete, otherwise the next step is sent after commit. Steps are idempotent:
they work from the run's recorded progress, so a duplicated message does no harm.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import dramatiq

from pilotzone import db
from pilotzone.jobs.broker import send
from pilotzone.jobs.tables import UNFINISHED, JobRun
from pilotzone.tenancy.context import TenantContext, current_tenant_id, tenant_transaction

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
Step = Callable[[JobRun], Awaitable[bool]]
_jobs: dict[str, dramatiq.Actor] = {}


def job(kind: str) -> Callable[[Step], dramatiq.Actor]:
    """Declare a job kind; the returned actor processes one step per message."""

    def decorate(step: Step) -> dramatiq.Actor:
        async def process(run_id: int) -> None:
            tx = db.current_transaction()
            run = await JobRun.objects().where(JobRun.id == run_id).lock_rows().first()
            if run is None or run.status not in UNFINISHED:
                return  # unknown here (RLS) or already finished: a duplicate message
            if run.status == "queued":
                run.status, run.started_at = "running", datetime.now(UTC)
            savepoint = await tx.savepoint()
            try:
                finished = await step(run)
            except Exception as exc:
                await savepoint.rollback_to()
                await _record_failure(run, exc)
                return
            if finished:
                run.status, run.finished_at, run.error = "done", datetime.now(UTC), ""
            else:
                _send_after_commit(run)
            await run.save()

        process.__name__ = process.__qualname__ = f"job_{kind}"
        actor = dramatiq.actor(process, actor_name=f"job_{kind}", max_retries=0)
        _jobs[kind] = actor
        return actor

    return decorate


async def _record_failure(run: JobRun, exc: Exception) -> None:
    run.attempts += 1
    run.error = "".join(traceback.format_exception_only(exc)).strip()[:2000]
    log.warning("job run %s (%s) attempt %s failed: %s", run.id, run.kind, run.attempts, run.error)
    if run.attempts >= MAX_ATTEMPTS:
        run.status, run.finished_at = "failed", datetime.now(UTC)
    else:
        _send_after_commit(run, delay_ms=500 * 2**run.attempts)
    await run.save()


def _send_after_commit(run: JobRun, delay_ms: int | None = None) -> None:
    actor = _jobs[run.kind]
    tenant_id, run_id = run.tenant, run.id

    async def dispatch() -> None:
        send(actor, tenant_id, run_id, delay_ms=delay_ms)

    db.on_commit(dispatch)


async def start_run(kind: str, total: int = 0, args: dict[str, Any] | None = None) -> JobRun:
    """Record a run in the current tenant transaction; its first message goes out after commit."""
    if kind not in _jobs:
        raise KeyError(f"unknown job kind {kind!r}")
    run = JobRun(
        tenant=current_tenant_id(), kind=kind, actor=_jobs[kind].actor_name, args=args or {}, total=total
    )
    await run.save()
    _send_after_commit(run)
    return run


async def recover_unfinished() -> int:
    """Send every unfinished run again (worker start-up); duplicates are harmless by design."""
    from pilotzone.tenancy.tables import Tenant

    async with db.transaction({"app.scope": "public"}):
        tenants = await Tenant.select(Tenant.id, Tenant.slug)
    count = 0
    for tenant in tenants:
        async with tenant_transaction(TenantContext(tenant["id"], tenant["slug"])):
            for run in await JobRun.objects().where(JobRun.status.is_in(list(UNFINISHED))):
                if run.kind in _jobs:
                    _send_after_commit(run)
                    count += 1
    return count


async def get_run(run_id: int) -> JobRun | None:
    return await JobRun.objects().where(JobRun.id == run_id).first()
