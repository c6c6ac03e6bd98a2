"""The ``pilotzone`` command."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

import click

from pilotzone.api.cli import clients
from pilotzone.auth.cli import users
from pilotzone.certification.cli import certificates
from pilotzone.funding.cli import funding
from pilotzone.jobs.cli import command_settings as _settings
from pilotzone.overview.cli import overview
from pilotzone.settings import ServiceUnavailable, SettingsError
from pilotzone.trade.cli import trade


class _Command(click.Group):
    """Every command: a service that is not running (or a data folder that cannot be made) is one
    line on stderr and exit status 1, not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (ServiceUnavailable, SettingsError) as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=_Command)
def main() -> None:
    """PilotZone: cross-border e-commerce pilot zones, one deployment for every city."""


@main.command()
@click.option("--host", default=None, help="Interface to bind (default PILOTZONE_HOST or 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default PILOTZONE_PORT or 8000).")
@click.option(
    "--setup/--no-setup",
    default=None,
    help="Migrate, sync tenants and seed demo data first (default: on in development, off in production).",
)
@click.option("--server", type=click.Choice(["uvicorn", "granian"]), default="uvicorn")
@click.option("--workers", default=1, type=int, help="Web worker processes (external services only).")
def serve(host: str | None, port: int | None, setup: bool | None, server: str, workers: int) -> None:
    """Start the web app; starts embedded PostgreSQL/S3 and an in-process worker where not configured."""
    from pilotzone.embedded import embedded_services

    settings = _settings()
    host, port = host or settings.host, port or settings.port
    if setup is None:
        setup = not settings.production
    signal.signal(signal.SIGTERM, _exit_on_sigterm)  # so the embedded services are stopped too
    print("PilotZone starting…", flush=True)
    with embedded_services(settings, mail=True) as settings:
        if setup:
            asyncio.run(_setup(settings.tenants_dir, demo=True))
        worker = scheduler = None
        if not settings.redis_url:
            import pilotzone.actors  # noqa: F401 - every job kind, before the worker starts
            from pilotzone.jobs.worker import InProcessWorker
            from pilotzone.schedule import SchedulerThread

            worker, scheduler = InProcessWorker(), SchedulerThread()
            print("  jobs: in-process worker and scheduler (no REDIS_URL)", flush=True)
        if workers > 1 and (worker is not None or not settings.database_url):
            raise click.ClickException("--workers > 1 needs external DATABASE_URL and REDIS_URL")
        print(f"\n  PilotZone is running at http://{host}:{port}/", flush=True)
        print(
            f"  Demo tenants and accounts: README.md, section 'Demo' ({Path('README.md').resolve()})",
            flush=True,
        )
        print("  Ctrl-C stops everything this command started.\n", flush=True)
        try:
            _run_server(server, host, port, workers)
        finally:
            if scheduler is not None:
                scheduler.stop()
            if worker is not None:
                worker.stop()


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _run_server(server: str, host: str, port: int, workers: int) -> None:
    if server == "granian":
        from granian import Granian
        from granian.constants import Interfaces

        Granian(
            "pilotzone.app:create_app",
            address=host,
            port=port,
            interface=Interfaces.ASGI,
            factory=True,
            workers=workers,
            log_access=False,
        ).serve()
        return
    import uvicorn

    uvicorn.run(
        "pilotzone.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_level="info",
        # the app decides the client address itself (TRUSTED_PROXIES, auth.middleware.client_address):
        # uvicorn's default would believe X-Forwarded-For from any local peer
        proxy_headers=False,
    )


async def _setup(tenants_dir: Path, demo: bool) -> None:
    from pilotzone.provisioning import TenantFileError, sync
    from pilotzone.tenancy.rls import migrate as run_migrate

    tables = await run_migrate()
    print(f"  migrations applied; RLS forced on {len(tables)} tenant tables", flush=True)
    try:
        report = await sync(tenants_dir)
    except TenantFileError as exc:
        raise click.ClickException(str(exc)) from None
    print(
        f"  tenants: {len(report.created)} created, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged",
        flush=True,
    )
    if demo:
        from pilotzone.demo import seed

        await seed()
    from pilotzone.db import DB

    await DB.close_connection_pool()


@main.command()
def migrate() -> None:
    """Apply migrations as the owner role, create the app role, force RLS on every tenant table."""
    from pilotzone.embedded import embedded_services
    from pilotzone.tenancy.rls import migrate as run_migrate

    with embedded_services(_settings(), s3=False):
        tables = asyncio.run(run_migrate())
    click.echo(f"migrated; RLS forced on: {', '.join(tables)}")


@main.group()
def tenants() -> None:
    """Tenant files in tenants/."""


@tenants.command("sync")
@click.option("--dir", "directory", type=click.Path(path_type=Path, file_okay=False), default=None)
def tenants_sync(directory: Path | None) -> None:
    """Validate every tenants/*.toml, then write them all in one transaction (idempotent)."""
    from pilotzone.embedded import embedded_services
    from pilotzone.provisioning import TenantFileError, sync

    settings = _settings()
    with embedded_services(settings, s3=False) as settings:
        try:
            report = asyncio.run(sync(directory or settings.tenants_dir))
        except TenantFileError as exc:
            click.echo(f"error: {exc}", err=True)
            click.echo("nothing was changed", err=True)
            sys.exit(2)
    click.echo(
        f"created: {', '.join(report.created) or '-'}; updated: {', '.join(report.updated) or '-'}; "
        f"unchanged: {', '.join(report.unchanged) or '-'}; parks written: {report.parks_written}, "
        f"retired: {report.parks_retired}"
    )


@main.command()
def demo() -> None:
    """Seed demo data (idempotent): sample documents and statistics snapshots for every tenant."""
    from pilotzone.embedded import embedded_services

    with embedded_services(_settings()) as settings:
        asyncio.run(_setup(settings.tenants_dir, demo=True))


@main.command()
@click.option("--processes", "-p", default=2, type=int)
@click.option("--threads", "-t", default=4, type=int)
def worker(processes: int, threads: int) -> None:
    """Run Dramatiq workers against REDIS_URL (unfinished runs are re-sent at start, runs recorded but
    not sent every JOB_RESEND_INTERVAL seconds)."""
    settings = _settings()
    if not settings.redis_url:
        raise click.ClickException(
            "REDIS_URL is not set; `pilotzone serve` runs an in-process worker instead"
        )
    # a consumer whose broker is unreachable retries once a second (dramatiq's default, 3 s, is also
    # how long a stopping worker waits for it)
    os.environ.setdefault("dramatiq_restart_delay", "1000")
    os.execvp(  # noqa: S606
        sys.executable,
        [sys.executable, "-m", "dramatiq", "pilotzone.actors", "-p", str(processes), "-t", str(threads)],
    )


@main.command()
@click.option("--interval", default=300, type=float, show_default=True, help="Seconds between two checks.")
@click.option("--once", is_flag=True, help="Start what is due now, print it and exit (for cron).")
def scheduler(interval: float, once: bool) -> None:
    """Start the periodic jobs when they are due: daily certificate expiry sweep, hourly dashboard
    rollups, last month's report on the 1st. Runs go to the workers on REDIS_URL."""
    from pilotzone.schedule import run_forever, tick

    settings = _settings()
    if not settings.redis_url and not once:
        raise click.ClickException("REDIS_URL is not set; `pilotzone serve` runs the scheduler in-process")
    if once:

        async def one() -> list[tuple[str, str, int]]:
            from pilotzone.db import DB

            try:
                return await tick()
            finally:
                await DB.close_connection_pool()

        for slug, kind, run_id in asyncio.run(one()):
            click.echo(f"{slug}: {kind} job run {run_id} queued")
        return
    asyncio.run(run_forever(interval))


@main.group()
def audit() -> None:
    """The hash-chained audit trail."""


@audit.command("verify")
@click.option("--tenant", "slug", default=None, help="Check only this tenant's chain (default: every chain).")
def audit_verify(slug: str | None) -> None:
    """Recompute every chain as the owner: exit 0 when intact, 1 listing each broken row."""
    from pilotzone.auth.audit import UnknownTenant, verify
    from pilotzone.embedded import embedded_services

    with embedded_services(_settings(), s3=False):
        try:
            result = asyncio.run(verify(slug))
        except UnknownTenant as exc:
            raise click.BadParameter(str(exc), param_hint="--tenant") from None  # exit 2, not 1
    counted = f"{result.chains} chains, {result.rows} rows checked"
    if result.intact:
        click.echo(f"audit trail intact: {counted}")
    else:
        n = len(result.problems)
        click.echo(f"audit trail BROKEN: {n} problem{'s' if n > 1 else ''}; {counted}")
    for head in result.heads:  # worth keeping elsewhere: a truncated chain is only seen against these
        click.echo(f"  {head.chain}: {head.rows} rows, last row {head.last_id}, hash {head.last_hash}")
    for problem in result.problems:
        click.echo(f"{problem.chain} row {problem.row_id}: {problem.kind}: {problem.detail}")
    if not result.intact:
        sys.exit(1)


# each package's own group (its cli.py; imports inside their commands keep start-up fast)
for group in (users, certificates, funding, overview, clients, trade):
    main.add_command(group)

if __name__ == "__main__":
    main()

