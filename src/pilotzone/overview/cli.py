"""``pilotzone overview refresh|monthly-report``: one job run per tenant (for cron). With REDIS_URL the
runs go to the workers; without it (or with --wait) this command processes and waits for them."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable

import click

from pilotzone.jobs.tables import JobRun


@click.group()
def overview() -> None:
    """Provincial overview: rollups and monthly reports."""


def _run(slug: str | None, wait: bool | None, start: Callable[[], Awaitable[JobRun]]) -> None:
    from pilotzone.cli import _settings
    from pilotzone.embedded import embedded_services

    with embedded_services(_settings()) as settings:
        wait = not settings.redis_url if wait is None else wait
        try:
            started = asyncio.run(_start_all(slug, wait, start))
        except KeyError:
            raise click.BadParameter(f"no active tenant '{slug}'", param_hint="--tenant") from None
    for tenant_slug, run_id, status in started:
        click.echo(f"{tenant_slug}: job run {run_id} {status}")
    if any(status == "failed" for _, _, status in started):
        sys.exit(1)


async def _start_all(
    slug: str | None, wait: bool, start: Callable[[], Awaitable[JobRun]]
) -> list[tuple[str, int, str]]:
    from pilotzone import db
    from pilotzone.cli import _finished
    from pilotzone.settings import get_settings
    from pilotzone.tenancy.context import TenantContext, tenant_transaction
    from pilotzone.tenancy.tables import Tenant

    worker = None
    if wait and not get_settings().redis_url:
        from pilotzone.jobs.worker import InProcessWorker

        worker = InProcessWorker()
    try:
        async with db.transaction({"app.scope": "public"}):
            tenants = await Tenant.select(Tenant.id, Tenant.slug).where(Tenant.active == True)  # noqa: E712
        if slug is not None:
            tenants = [t for t in tenants if t["slug"] == slug]
            if not tenants:
                raise KeyError(slug)
        started = []
        for t in tenants:
            async with tenant_transaction(TenantContext(t["id"], t["slug"])):
                run = await start()
            started.append((t["slug"], t["id"], run.id))
        return [(s, r, await _finished(tid, s, r) if wait else "queued") for s, tid, r in started]
    finally:
        if worker is not None:
            worker.stop()
        await db.DB.close_connection_pool()


@overview.command("refresh")
@click.option("--tenant", "slug", default=None, help="Only this tenant (default: every active tenant).")
@click.option("--wait/--no-wait", default=None, help="Wait for the runs (default: only without REDIS_URL).")
def refresh(slug: str | None, wait: bool | None) -> None:
    """Recompute the rollups the dashboards read."""
    from pilotzone.overview.rollups import request_refresh

    _run(slug, wait, request_refresh)


@overview.command("monthly-report")
@click.option("--month", default=None, help="YYYY-MM (default: the previous month).")
@click.option("--tenant", "slug", default=None, help="Only this tenant (default: every active tenant).")
@click.option("--wait/--no-wait", default=None, help="Wait for the runs (default: only without REDIS_URL).")
def monthly_report(month: str | None, slug: str | None, wait: bool | None) -> None:
    """The month's report per tenant (XLSX + HTML in S3) and, after each, the province report."""
    import re

    from pilotzone.overview.reports import previous_month, start_report

    month = month or previous_month()
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise click.BadParameter("expected YYYY-MM", param_hint="--month")
    _run(slug, wait, lambda: start_report(month))
