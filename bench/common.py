"""What the benchmarks share: a fresh database with the tenants, a bench tenant and user, signing in
like a browser, and serving the app with granian in its own process group."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BENCH_PASSWORD = "bench-passw0rd"
BENCH_EMAIL = "bench@example.cn"


def db_url(name: str) -> str:
    """The URL of database ``name`` on the admin URL's server."""
    return ADMIN.rpartition("/")[0] + "/" + name


async def fresh_database(name: str) -> asyncpg.Connection:
    """Drop and create ``name``, migrate it and sync the tenants (DATABASE_URL must point at it);
    a connection to it as the owner."""
    admin = await asyncpg.connect(ADMIN)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    from pilotzone.provisioning import sync
    from pilotzone.tenancy.rls import migrate

    await migrate()
    await sync(ROOT / "tenants")
    return await asyncpg.connect(db_url(name))


async def drop_database(name: str) -> None:
    admin = await asyncpg.connect(ADMIN)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


async def bench_tenant(conn: asyncpg.Connection) -> int:
    """Insert the tenant ``bench`` (one district, 440101); its id."""
    return await conn.fetchval(
        "INSERT INTO tenant (slug, sort_order, name_zh, name_en, zone_zh, zone_en, bureau_zh, bureau_en, "
        "primary_colour, accent_colour, districts, sources, source_file, active, updated_at) VALUES "
        "('bench', 999, '基准', 'Bench', '基准综试区', 'Bench zone', '基准局', 'Bench bureau', '#0b4f8a', "
        '\'#b3261e\', \'[{"code": "440101", "zh": "基准区", "en": "Bench District"}]\', \'[]\', \'\', true, now()) '
        "RETURNING id"
    )


async def bench_user(conn: asyncpg.Connection, tenant_id: int, role: str) -> int:
    """The user ``bench@example.cn`` (BENCH_PASSWORD) with a tenant-wide ``role`` in ``tenant_id``."""
    from pilotzone.auth.passwords import hash_password

    user_id = await conn.fetchval(
        "INSERT INTO pz_user (email, display_name, password_hash, is_active, created_at) "
        "VALUES ($1, 'bench', $2, true, now()) RETURNING id",
        BENCH_EMAIL,
        hash_password(BENCH_PASSWORD),
    )
    await conn.execute(
        'INSERT INTO membership (tenant_id, "user", role, district_code, active, created_at) '
        "VALUES ($1, $2, $3, '', true, now())",
        tenant_id,
        user_id,
        role,
    )
    return user_id


VIEWER_EMAIL = "viewer@bench.cn"


async def province_viewer(conn: asyncpg.Connection) -> list[dict]:
    """The province viewer ``viewer@bench.cn`` (BENCH_PASSWORD); the database's tenants (id, slug)."""
    from pilotzone.auth.passwords import hash_password

    await conn.execute(
        "INSERT INTO pz_user (email, display_name, password_hash, province_role, is_active, created_at) "
        "VALUES ($1, 'bench', $2, 'province_viewer', true, now())",
        VIEWER_EMAIL,
        hash_password(BENCH_PASSWORD),
    )
    return [dict(r) for r in await conn.fetch("SELECT id, slug FROM tenant ORDER BY id")]


async def tenants_of(name: str) -> list[dict]:
    """The tenants (id, slug) of the bench database ``name`` kept from an earlier run."""
    conn = await asyncpg.connect(db_url(name))
    try:
        return [dict(r) for r in await conn.fetch("SELECT id, slug FROM tenant ORDER BY id")]
    finally:
        await conn.close()


async def refresh_all(tenants: list[dict]) -> list[float]:
    """The dashboards' rollups as the app builds them (the refresh job's code), one tenant transaction
    each; the seconds each took."""
    from pilotzone import db
    from pilotzone.overview.rollups import refresh_current_tenant
    from pilotzone.tenancy.context import TenantContext, tenant_transaction

    times = []
    for t in tenants:
        started = time.perf_counter()
        async with tenant_transaction(TenantContext(t["id"], t["slug"])):
            await refresh_current_tenant()
        times.append(time.perf_counter() - started)
    await db.DB.close_connection_pool()
    return times


def session_cookie(base: str, email: str = BENCH_EMAIL) -> str:
    """Sign in through the app like a browser; the benchmark requests carry this session."""
    with httpx.Client(base_url=base, follow_redirects=False) as client:
        page = client.get("/login")
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        signed_in = client.post(
            "/login", data={"email": email, "password": BENCH_PASSWORD, "csrf_token": token}
        )
        assert signed_in.status_code == 303, signed_in.text[:300]
        return f"pz_session={client.cookies['pz_session']}"


def start(args: list[str], env: dict[str, str], url: str, seconds: float = 120) -> subprocess.Popen:
    """Start the server in its own process group (granian's worker is a child: stopping the group
    stops both) and wait until ``url`` answers; a loaded machine may need a minute. Refuses a port
    that already answers (a server left over from an earlier run would take part of the load)."""
    try:
        httpx.get(url, timeout=2)
    except httpx.HTTPError:
        pass
    else:
        raise SystemExit(f"something already answers {url}: stop it first")
    process = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, start_new_session=True)  # noqa: S603
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    stop(process)
    raise SystemExit(f"server did not answer {url} within {seconds:.0f} s")


def stop(process: subprocess.Popen) -> None:
    """Stop a server started by ``start`` (its whole process group)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def dashboard_main(database: str, pilotzone_env: str, run: Callable[[argparse.Namespace, dict[str, str]], int]) -> int:
    """What the dashboard benchmarks share: their options (--duration, --connections, --workers,
    --reuse), the app's environment on database ``database`` and a ``weed mini`` of their own (the
    dashboards list the monthly reports in S3); ``run(options, env)`` does the rest."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=15)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="granian workers (one per core)")
    parser.add_argument("--reuse", action="store_true", help="keep the data generated by the last run")
    opts = parser.parse_args()
    env = {
        **os.environ,
        "PILOTZONE_ENV": pilotzone_env,
        "DATABASE_URL": db_url(database),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "DB_POOL_MIN": "10",
        "DB_POOL_MAX": "10",
    }
    from pilotzone.embedded import WeedServer, free_port

    weed = WeedServer(Path(tempfile.mkdtemp(prefix="bench-s3-")), free_port(), "bench", "bench-" + uuid.uuid4().hex)
    weed.start()
    env |= {"S3_ENDPOINT": weed.endpoint, "S3_ACCESS_KEY": weed.access_key, "S3_SECRET_KEY": weed.secret_key}
    os.environ.update(env)
    try:
        return run(opts, env)
    finally:
        weed.stop()
