"""Per-tenant, per-month rollups of the overview figures, kept by the ``overview_refresh`` job.

Every figure is a :class:`pilotzone.metrics.Metric` that its domain exports (``registry.figures``,
``certification.figures``, ``funding.figures``): one fact per counted thing, with a label, its state,
the date it is counted on and a ``dim`` (state, country, program family, days). The rollup is each
metric's :meth:`~pilotzone.metrics.Metric.monthly` rows; the drill-down lists are its
:meth:`~pilotzone.metrics.Metric.listing`. This package names no other domain's table. The job
recomputes one tenant per run inside its tenant transaction (RLS), upserts every figure and deletes the
figures that no longer exist, so reruns and duplicate messages are harmless.

Metrics are *stock* (counted up to the end of the chosen period: parks, enterprises, certified parks
and warehouses, each in the month it was created or first certified) or *flow* (counted inside the
period: applications by the month of submission, decisions, talent recognitions, money).
"""

from __future__ import annotations

from datetime import UTC, datetime

from pilotzone import db
from pilotzone.certification import figures as certification
from pilotzone.funding import figures as funding
from pilotzone.jobs.services import job, start_run
from pilotzone.jobs.tables import JobRun
from pilotzone.metrics import TZ, Metric, MonthFigure, month_of
from pilotzone.registry import figures as registry
from pilotzone.tenancy.context import current_tenant_id
from pilotzone.trade import figures_metrics as trade

__all__ = ["TZ", "Metric", "month_of", "metrics", "metric", "FUNDING_METRICS", "PAPERWORK"]

FUNDING_METRICS: list[Metric] = funding.METRICS
# the figures of our own paperwork (the side-by-side table and its sections); trade's are read apart
PAPERWORK: list[str] = [m.name for m in (*registry.METRICS, *certification.METRICS, *funding.METRICS)]


def metrics() -> list[Metric]:
    return [*registry.METRICS, *certification.METRICS, *funding.METRICS, *trade.metrics()]


def metric(name: str) -> Metric | None:
    return next((m for m in metrics() if m.name == name), None)


async def figures() -> list[MonthFigure]:
    """Every metric's rows by (month, dim), as the current tenant (or scope) sees them."""
    return [figure for m in metrics() for figure in await m.monthly()]


async def refresh_current_tenant(run_id: int | None = None) -> int:
    """Recompute the current tenant's rollups (in its transaction); returns the number of figures."""
    tenant_id = current_tenant_id()
    stamp = datetime.now(UTC)
    fresh = await figures()
    rows = await db.fetch(
        "INSERT INTO overview_month (tenant_id, month, metric, dim, value, refreshed_at) "
        "SELECT $1, f.month, f.metric, f.dim, f.value, $2 "
        "FROM unnest($3::date[], $4::text[], $5::text[], $6::numeric[]) AS f(month, metric, dim, value) "
        "ON CONFLICT (tenant_id, month, metric, dim) DO UPDATE "
        "SET value = EXCLUDED.value, refreshed_at = EXCLUDED.refreshed_at RETURNING 1",
        tenant_id,
        stamp,
        [f.month for f in fresh],
        [f.metric for f in fresh],
        [f.dim for f in fresh],
        [f.value for f in fresh],
    )
    await db.fetch("DELETE FROM overview_month WHERE refreshed_at < $1", stamp)
    await db.fetch(
        "INSERT INTO overview_refresh (tenant_id, run_id, refreshed_at, rows) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (tenant_id) DO UPDATE SET run_id = EXCLUDED.run_id, "
        "refreshed_at = EXCLUDED.refreshed_at, rows = EXCLUDED.rows",
        tenant_id,
        run_id,
        stamp,
        len(rows),
    )
    return len(rows)


@job("overview_refresh")
async def refresh_step(run: JobRun) -> bool:
    run.total = 1
    await refresh_current_tenant(run.id)
    run.done = 1
    return True


async def request_refresh() -> JobRun:
    """Start a refresh of the current tenant unless one is still queued (a running one may have read
    the state before this change); cheap to call after changes."""
    waiting = (
        await JobRun.objects()
        .where((JobRun.kind == "overview_refresh") & (JobRun.status == "queued"))
        .first()
    )
    return waiting or await start_run("overview_refresh", total=1)


async def last_refreshes() -> dict[int, datetime]:
    """When each visible tenant was last refreshed."""
    rows = await db.fetch("SELECT tenant_id, refreshed_at FROM overview_refresh")
    return {r["tenant_id"]: r["refreshed_at"] for r in rows}
