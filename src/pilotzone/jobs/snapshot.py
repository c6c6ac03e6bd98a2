"""The tenant statistics snapshot: row counts of every tenant table, one table per step (a job of the
infrastructure: it counts tables, it knows no domain)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from pilotzone.jobs.services import job, start_run
from pilotzone.jobs.tables import JobRun
from pilotzone.tenancy.tables import TenantSnapshot, tenant_tables


@job("tenant_snapshot")
async def snapshot_step(run: JobRun) -> bool:
    tables = tenant_tables()
    run.total = len(tables)
    snapshot = (
        await TenantSnapshot.objects().where(TenantSnapshot.run_id == run.id).output(load_json=True).first()
    )
    if snapshot is None:
        snapshot = TenantSnapshot(run_id=run.id, counts={})
    if run.done < len(tables):
        table = tables[run.done]
        # read with load_json=True above (Piccolo types a JSONB value as its text)
        counts = dict(cast("dict[str, int] | None", snapshot.counts) or {})
        counts[table._meta.tablename] = await table.count()
        snapshot.counts, snapshot.taken_at = counts, datetime.now(UTC)
        await snapshot.save()
        run.done += 1
    return run.done >= run.total


async def start_snapshot() -> JobRun:
    return await start_run("tenant_snapshot", total=len(tenant_tables()))
