"""``pilotzone certificates sweep``: the certificate expiry sweep, one job run per tenant (for cron)."""

from __future__ import annotations

import click

from pilotzone.jobs.cli import run_per_tenant_command


@click.group()
def certificates() -> None:
    """Certificates: expiry and renewal reminders."""


@certificates.command("sweep")
@click.option("--tenant", "slug", default=None, help="Only this tenant (default: every active tenant).")
@click.option(
    "--wait/--no-wait", default=None, help="Wait until the runs finish (default: only without REDIS_URL)."
)
def certificates_sweep(slug: str | None, wait: bool | None) -> None:
    """Mark ended certificates expired and write renewal reminders: one job run per tenant (for cron).

    With REDIS_URL the runs go to the workers; without it this command processes them itself."""
    from pilotzone.certification.expiry import SYSTEM, start_sweep

    run_per_tenant_command(slug, wait, lambda: start_sweep(SYSTEM), s3=False)
