"""Shared steps of the overview tests: refresh every tenant through the real worker and wait."""

from __future__ import annotations

import asyncio

import asyncpg
from tests.support import demo

from pilotzone.overview.rollups import request_refresh
from pilotzone.tenancy.context import TenantContext, tenant_transaction


async def wait_runs(owner: asyncpg.Connection, kind: str, limit: float = 60) -> None:
    for _ in range(int(limit * 10)):
        left = await owner.fetchval(
            "SELECT count(*) FROM job_run WHERE kind = $1 AND status IN ('queued', 'running')", kind
        )
        if left == 0:
            failed = await owner.fetch(
                "SELECT id, error FROM job_run WHERE kind = $1 AND status = 'failed'", kind
            )
            assert not failed, failed
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{kind} runs did not finish")


async def refresh_all(as_user, owner: asyncpg.Connection, tenants: dict) -> None:  # type: ignore[no-untyped-def]
    """Guangzhou through its bureau admin's button, the others as the CLI does; then wait."""
    async with as_user(demo("admin", "guangzhou")) as admin:
        done = await admin.post("/z/guangzhou/dashboard/refresh", follow_redirects=False)
        assert done.status_code == 303, done.text[:300]
    for slug, tid in tenants.items():
        if slug != "guangzhou":
            async with tenant_transaction(TenantContext(tid, slug)):
                await request_refresh()
    await wait_runs(owner, "overview_refresh")
