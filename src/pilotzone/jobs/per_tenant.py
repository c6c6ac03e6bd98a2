"""One job run per active tenant, for the cron-style commands (``pilotzone certificates sweep``):
start them, and optionally wait until they finish (processing them in-process without REDIS_URL)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from pilotzone import db
from pilotzone.jobs.services import get_run
from pilotzone.jobs.tables import UNFINISHED, JobRun
from pilotzone.jobs.worker import InProcessWorker
from pilotzone.settings import get_settings
from pilotzone.tenancy.context import TenantContext, tenant_transaction
from pilotzone.tenancy.tables import Tenant


async def start_per_tenant(
    slug: str | None, start: Callable[[], Awaitable[JobRun]]
) -> list[tuple[str, int, int]]:
    """Call ``start`` inside each active tenant's transaction (or only ``slug``'s):
    (slug, tenant id, run id) each. Raises KeyError for an unknown or inactive ``slug``."""
    async with db.transaction({"app.scope": "public"}):
        tenants = await Tenant.select(Tenant.id, Tenant.slug).where(Tenant.active == True)  # noqa: E712
    if slug is not None:
        tenants = [t for t in tenants if t["slug"] == slug]
        if not tenants:
            raise KeyError(slug)
    started = []
    for tenant in tenants:
        async with tenant_transaction(TenantContext(tenant["id"], tenant["slug"])):
            run = await start()
        started.append((tenant["slug"], tenant["id"], run.id))
    return started


async def finished(tenant_id: int, slug: str, run_id: int, limit: float = 3600) -> str:
    """Poll a run until it is done or failed (or ``limit`` seconds passed); its status."""
    deadline = asyncio.get_running_loop().time() + limit
    while True:
        async with tenant_transaction(TenantContext(tenant_id, slug)):
            run = await get_run(run_id)
        if run is None or run.status not in UNFINISHED or asyncio.get_running_loop().time() > deadline:
            return run.status if run else "missing"
        await asyncio.sleep(0.2)


async def run_per_tenant(
    slug: str | None, wait: bool, start: Callable[[], Awaitable[JobRun]]
) -> list[tuple[str, int, str]]:
    """Start one run per tenant; with ``wait`` wait for each: (slug, run id, status or "queued").
    Without REDIS_URL an in-process worker processes the runs. Closes the pool at the end."""
    worker = None
    await db.ensure_pool()  # an unreachable database is reported before a worker is started
    if wait and not get_settings().redis_url:
        worker = InProcessWorker()
    try:
        started = await start_per_tenant(slug, start)
        return [
            (s, run_id, await finished(tenant_id, s, run_id) if wait else "queued")
            for s, tenant_id, run_id in started
        ]
    finally:
        if worker is not None:
            worker.stop()
        await db.DB.close_connection_pool()
