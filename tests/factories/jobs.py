"""Job runs. ``jobs.services.start_run`` records a run and sends its message after commit; a run a
dead process left behind (recorded, never sent) is what recovery tests need, so this writes the row
as ``start_run`` does and sends nothing."""

from __future__ import annotations

from typing import Any

from tests.factories.base import acting_in

from pilotzone.jobs.tables import JobRun


async def job_runs(slug: str, count: int = 1, kind: str = "tenant_snapshot", **values: Any) -> list[int]:
    """``count`` queued runs of ``kind`` (actor ``job_<kind>``, total 1); their ids."""
    async with acting_in(slug):
        rows = [
            JobRun(
                kind=kind,
                actor=values.get("actor", f"job_{kind}"),
                total=values.get("total", 1),
                **{k: v for k, v in values.items() if k not in ("actor", "total")},
            )
            for _ in range(count)
        ]
        result = await JobRun.insert(*rows).returning(JobRun.id)
    return [r["id"] for r in result]
