"""``pilotzone trade import|summary``: official figures from a file, and a month's totals as JSON.

Exit status: 0 done, 1 the file was refused (nothing written; one ``FILE:ROW:COLUMN: reason`` line per
problem on stderr), 2 a usage error (unknown tenant, missing file, bad period)."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path

import click

from pilotzone.jobs.cli import command_settings

PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


@click.group()
def trade() -> None:
    """Trade figures: import official data, print a month's totals."""


@trade.command("import")
@click.option("--tenant", "slug", required=True, help="The pilot zone (tenant slug).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def trade_import(slug: str, file: Path) -> None:
    """Import FILE (CSV in UTF-8 or GB18030, or XLSX) as official figures; print the counts as JSON."""
    from pilotzone.embedded import embedded_services
    from pilotzone.trade.import_run import UnknownTenant, import_for_tenant

    with embedded_services(command_settings(), s3=False):
        try:
            outcome = asyncio.run(import_for_tenant(slug, file))
        except UnknownTenant:
            raise click.BadParameter(f"no active tenant '{slug}'", param_hint="--tenant") from None
    if outcome.counts is None:
        for problem in outcome.problems:
            click.echo(f"{file}:{problem.row}:{problem.column}: {problem.reason}", err=True)
        if outcome.refused > len(outcome.problems):
            click.echo(f"{file}: … {outcome.refused - len(outcome.problems)} more", err=True)
        sys.exit(1)
    counts = outcome.counts
    click.echo(
        json.dumps(
            {"rows": counts.rows, "inserted": counts.inserted, "replaced": counts.replaced, "unchanged": counts.unchanged}
        )
    )


@trade.command("summary")
@click.option("--tenant", "slug", required=True, help="The pilot zone (tenant slug).")
@click.option("--period", required=True, help="The month, YYYY-MM.")
def trade_summary(slug: str, period: str) -> None:
    """Print the current official figures of PERIOD by mode and direction as JSON."""
    from pilotzone.embedded import embedded_services
    from pilotzone.trade.import_run import UnknownTenant, summary_for_tenant

    if not PERIOD.fullmatch(period):
        raise click.BadParameter("expected YYYY-MM with a month 01–12", param_hint="--period")
    with embedded_services(command_settings(), s3=False):
        try:
            totals = asyncio.run(summary_for_tenant(slug, period))
        except UnknownTenant:
            raise click.BadParameter(f"no active tenant '{slug}'", param_hint="--tenant") from None
    click.echo(json.dumps({"period": period, "totals": totals}, ensure_ascii=False))
