"""Periodic work: which job runs are due for each tenant, started through the ordinary job outbox.

Each package declares its periodic runs (``PERIODIC`` in its ``actors.py``); ``pilotzone.actors``
collects them into one table, like app.py's one route list. :func:`tick` looks at each active tenant's
latest run of each kind and starts the due ones in that tenant's transaction (an advisory lock per
tenant keeps two schedulers from starting the same run twice; the jobs are idempotent anyway).
``pilotzone scheduler`` calls it in a loop (compose runs one); the embedded ``serve`` runs the same loop
in a thread beside its in-process worker. Nothing is remembered outside ``job_run``: a scheduler that
was down catches up at its next tick.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import UTC, datetime

from pilotzone import db
from pilotzone.actors import PERIODIC
from pilotzone.jobs.tables import JobRun
from pilotzone.settings import ServiceUnavailable
from pilotzone.tenancy.context import TenantContext, tenant_transaction
from pilotzone.tenancy.tables import Tenant

log = logging.getLogger(__name__)


async def tick(now: datetime | None = None) -> list[tuple[str, str, int]]:
    """Start every due periodic run: (tenant slug, kind, run id) of each one started."""
    now = now or datetime.now(UTC)
    async with db.transaction({"app.scope": "public"}):
        tenants = await Tenant.select(Tenant.id, Tenant.slug).where(Tenant.active == True)  # noqa: E712
    started: list[tuple[str, str, int]] = []
    for tenant in tenants:
        async with tenant_transaction(TenantContext(tenant["id"], tenant["slug"])):
            await db.fetch("SELECT pg_advisory_xact_lock(hashtext('pilotzone.schedule'), $1)", tenant["id"])
            for periodic in PERIODIC:
                last = (
                    await JobRun.objects()
                    .where(JobRun.kind == periodic.kind)
                    .order_by(JobRun.created_at, ascending=False)
                    .output(load_json=True)
                    .first()
                )
                if periodic.due(last, now) and (periodic.wanted is None or await periodic.wanted(now)):
                    run = await periodic.start(now)
                    started.append((tenant["slug"], periodic.kind, run.id))
    return started


async def run_forever(interval: float, stop: threading.Event | None = None) -> None:
    """Tick every ``interval`` seconds until ``stop`` is set; a failed tick is logged and retried."""
    stop = stop or threading.Event()
    try:
        while not stop.is_set():
            try:
                for slug, kind, run_id in await tick():
                    log.info("scheduled %s for %s (job run %s)", kind, slug, run_id)
            except ServiceUnavailable as exc:  # one line; tried again at the next tick
                log.warning("scheduler tick skipped: %s", exc)
            except Exception:
                log.exception("scheduler tick failed")
            await asyncio.get_running_loop().run_in_executor(None, stop.wait, interval)
    finally:
        await db.DB.close_connection_pool()


class SchedulerThread:
    """The scheduler on its own event loop (its own database pool), for the embedded single process."""

    def __init__(self, interval: float = 300) -> None:
        self.stopping = threading.Event()
        self.thread = threading.Thread(
            target=lambda: asyncio.run(run_forever(interval, self.stopping)), name="pilotzone-scheduler", daemon=True
        )
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=10)
