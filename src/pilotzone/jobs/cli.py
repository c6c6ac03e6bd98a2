"""Helpers of the packages' CLI groups (each package adds its own group to ``pilotzone``): settings
with a one-line error, and the body of the cron-style commands (one job run per tenant)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import click

from pilotzone.settings import Settings, SettingsError, get_settings


def command_settings() -> Settings:
    """The settings, or a one-line error (exit 1) naming what is wrong."""
    try:
        return get_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def run_per_tenant_command(
    slug: str | None, wait: bool | None, start: Callable[[], Awaitable[Any]], *, s3: bool = True
) -> None:
    """The body of the cron-style commands: one job run per active tenant (or only ``slug``), waited
    for by default only without REDIS_URL; prints each run and exits 1 when one failed."""
    from pilotzone.embedded import embedded_services
    from pilotzone.jobs.per_tenant import run_per_tenant

    with embedded_services(command_settings(), s3=s3) as settings:
        wait = not settings.redis_url if wait is None else wait
        try:
            started = asyncio.run(run_per_tenant(slug, wait, start))
        except KeyError:
            raise click.BadParameter(f"no active tenant '{slug}'", param_hint="--tenant") from None
    for tenant_slug, run_id, status in started:
        click.echo(f"{tenant_slug}: job run {run_id} {status}")
    if any(status == "failed" for _, _, status in started):
        sys.exit(1)
