"""Job runs on the real Redis broker: outbox, progress, recovery after a lost enqueue, fail-closed."""

from __future__ import annotations

import asyncio
import json

import asyncpg
import pytest
from tests.support import wait_done

from pilotzone.jobs.broker import broker
from pilotzone.jobs.services import recover_unfinished, start_run
from pilotzone.tenancy.context import TenantContext, TenantRequired, tenant_transaction
from pilotzone.tenancy.tables import tenant_tables


async def test_snapshot_through_the_ui_counts_every_tenant_table(
    admin_gz, worker, owner: asyncpg.Connection, tenants: dict
) -> None:
    gz = tenants["guangzhou"]
    response = await admin_gz.post("/z/guangzhou/stats", follow_redirects=False)
    assert response.status_code == 303
    run_id = int(response.headers["location"].rsplit("/", 1)[1])
    assert response.headers["location"] == f"/z/guangzhou/jobs/{run_id}"
    page = await admin_gz.get(f"/z/guangzhou/jobs/{run_id}")
    assert page.status_code == 200 and "<progress" in page.text
    run = await wait_done(owner, run_id)
    assert run["status"] == "done" and run["done"] == run["total"] == len(tenant_tables())
    counts = json.loads(await owner.fetchval("SELECT counts FROM tenant_snapshot WHERE run_id = $1", run_id))
    for table in tenant_tables():
        name = table._meta.tablename
        if name not in ("job_run", "tenant_snapshot"):  # these grow while the run is going
            sql = f'SELECT count(*) FROM "{name}" WHERE tenant_id = $1'  # noqa: S608 - our table names
            assert counts[name] == await owner.fetchval(sql, gz)
    # the finished widget stops polling; the unfinished one polls itself
    fragment = await admin_gz.get(f"/z/guangzhou/jobs/{run_id}", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and "data-hx-trigger" not in fragment.text


async def test_htmx_refresh_returns_polling_widget(admin_fs, worker, owner: asyncpg.Connection) -> None:
    response = await admin_fs.post("/z/foshan/stats", headers={"HX-Request": "true"})
    assert response.status_code == 200 or response.status_code == 303
    assert 'data-hx-trigger="every 1s"' in response.text and "<html" not in response.text
    run_id = int(response.text.split('id="job-', 1)[1].split('"', 1)[0])
    assert (await wait_done(owner, run_id))["status"] == "done"


async def test_rolled_back_transaction_sends_nothing(owner: asyncpg.Connection, tenants: dict) -> None:
    queue = broker.queues  # noqa: F841 - touch the broker: it must exist before the test
    sent: list[int] = []
    from pilotzone.jobs import services

    original = services.send
    services.send = lambda actor, tenant_id, *args, **kw: sent.append(args[0])  # type: ignore[assignment]
    try:
        with pytest.raises(RuntimeError):
            async with tenant_transaction(TenantContext(tenants["shantou"], "shantou")):
                run = await start_run("tenant_snapshot", total=1)
                raise RuntimeError("the request failed after recording the run")
    finally:
        services.send = original
    assert sent == []
    assert await owner.fetchval("SELECT count(*) FROM job_run WHERE id = $1", run.id) == 0


async def test_run_whose_enqueue_was_lost_is_recovered(worker, owner: asyncpg.Connection, unsent_run) -> None:
    run_id = await unsent_run("shantou")  # the process "dies" before sending
    await asyncio.sleep(0.5)
    assert (await owner.fetchrow("SELECT status FROM job_run WHERE id = $1", run_id))["status"] == "queued"
    assert await recover_unfinished() >= 1  # what a starting worker does (RecoveryMiddleware)
    done = await wait_done(owner, run_id)
    assert done["status"] == "done" and done["done"] == len(tenant_tables())
    assert await owner.fetchval("SELECT count(*) FROM tenant_snapshot WHERE run_id = $1", run_id) == 1


async def test_worker_boot_recovers_unfinished_runs(owner: asyncpg.Connection, unsent_run) -> None:
    import pilotzone.actors  # noqa: F401
    from pilotzone.jobs.worker import InProcessWorker

    run_id = await unsent_run("foshan")
    fresh = await asyncio.to_thread(InProcessWorker, 1)  # boots: after_worker_boot re-sends
    try:
        assert (await wait_done(owner, run_id))["status"] == "done"
    finally:
        await asyncio.to_thread(fresh.stop)


async def test_duplicate_messages_do_no_harm(worker, owner: asyncpg.Connection, tenants: dict) -> None:
    async with tenant_transaction(TenantContext(tenants["guangzhou"], "guangzhou")):
        run = await start_run("tenant_snapshot", total=len(tenant_tables()))
    for _ in range(3):
        await recover_unfinished()
    done = await wait_done(owner, run.id)
    await asyncio.sleep(0.3)
    assert done["done"] == len(tenant_tables())
    assert (await owner.fetchrow("SELECT done FROM job_run WHERE id = $1", run.id))["done"] == len(
        tenant_tables()
    )
    assert await owner.fetchval("SELECT count(*) FROM tenant_snapshot WHERE run_id = $1", run.id) == 1


def test_message_without_tenant_fails_closed() -> None:
    from pilotzone.jobs.snapshot import snapshot_step

    with pytest.raises(TenantRequired):
        snapshot_step.fn(1)  # what a message without the tenant_id option reaches
