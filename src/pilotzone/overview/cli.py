"""``pilotzone overview refresh|monthly-report``: one job run per tenant (for cron). With REDIS_URL the
runs go to the workers; without it (or with --wait) this command processes and waits for them."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import click

from pilotzone.jobs.cli import run_per_tenant_command
from pilotzone.jobs.tables import JobRun


@click.group()
def overview() -> None:
    """Provincial overview: rollups and monthly reports."""


def _run(slug: str | None, wait: bool | None, start: Callable[[], Awaitable[JobRun]]) -> None:
    run_per_tenant_command(slug, wait, start)


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
    from pilotzone.overview.reports import previous_month, start_report

    month = month or previous_month()
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise click.BadParameter("expected YYYY-MM", param_hint="--month")
    _run(slug, wait, lambda: start_report(month))
