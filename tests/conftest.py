"""Test session on real services: the machine's PostgreSQL and Redis, and a `weed mini` (S3) that
this session starts and stops. Environment is set before anything from pilotzone is imported.

Overrides: TEST_PG_ADMIN_URL (a superuser on the server, default postgres@127.0.0.1:5432),
TEST_REDIS_URL (default redis://127.0.0.1:6379/0).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from tests.support import (
    PASSWORD,
    ROOT,
    admin_sql,
    db_url,
    demo,
    sign_in,
)

DB_NAME = f"pilotzone_test_{os.getpid()}"
_state: dict[str, object] = {}


def pytest_configure(config: pytest.Config) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="pilotzone-test-"))
    _state["tmp"] = tmp
    os.environ.update(
        {
            "PILOTZONE_ENV": "test",
            "PILOTZONE_DATA_DIR": str(tmp / "data"),
            "DATABASE_URL": db_url(DB_NAME),
            "APP_DB_PASSWORD": "pilotzone-test-app",
            "REDIS_URL": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
            "DRAMATIQ_NAMESPACE": f"pilotzone-test-{uuid.uuid4().hex[:8]}",
            "S3_BUCKET": "pilotzone-test",
            "TENANTS_DIR": str(ROOT / "tenants"),
        }
    )
    from pilotzone.embedded import WeedServer, free_port

    weed = WeedServer(tmp / "s3", free_port(), "testaccess", "testsecret-" + uuid.uuid4().hex)
    weed.start()
    _state["weed"] = weed
    os.environ.update(
        {"S3_ENDPOINT": weed.endpoint, "S3_ACCESS_KEY": weed.access_key, "S3_SECRET_KEY": weed.secret_key}
    )

    asyncio.run(admin_sql(f'DROP DATABASE IF EXISTS "{DB_NAME}"'))
    asyncio.run(admin_sql(f'CREATE DATABASE "{DB_NAME}"'))

    from pilotzone.documents.storage import get_storage
    from pilotzone.provisioning import sync
    from pilotzone.tenancy.rls import migrate

    async def prepare() -> None:
        from pilotzone.demo import seed_accounts, seed_work

        await migrate()
        await sync(ROOT / "tenants")
        await seed_accounts()
        started = time.monotonic()
        await seed_work()  # every test starts where a newcomer does: work waiting in the demo cities
        _state["seed_work_seconds"] = time.monotonic() - started
        from pilotzone.db import DB

        await DB.close_connection_pool()

    asyncio.run(prepare())
    get_storage().ensure_bucket()


def pytest_unconfigure(config: pytest.Config) -> None:
    weed = _state.get("weed")
    if weed is not None:
        weed.stop()  # type: ignore[attr-defined]
    try:
        asyncio.run(admin_sql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
    except Exception as exc:  # leave the session's verdict alone
        print(f"could not drop {DB_NAME}: {exc}")
    try:
        import redis

        client = redis.Redis.from_url(os.environ["REDIS_URL"])
        keys = list(client.scan_iter(f"{os.environ['DRAMATIQ_NAMESPACE']}*"))
        if keys:
            client.delete(*keys)
    except Exception as exc:
        print(f"could not clean redis: {exc}")
    tmp = _state.get("tmp")
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)  # type: ignore[arg-type]


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    seconds = _state.get("seed_work_seconds")
    if seconds is not None:
        terminalreporter.write_line(f"demo work seeded at the session's start in {seconds:.1f} s")
    skipped = terminalreporter.stats.get("skipped", [])
    if skipped:
        terminalreporter.write_line(
            f"FAIL: {len(skipped)} skipped test(s); CI runs with zero skips", red=True
        )


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and reporter.stats.get("skipped") and session.exitstatus == 0:
        session.exitstatus = 1


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def owner_dsn() -> str:
    return os.environ["DATABASE_URL"]


@pytest.fixture(scope="session")
def app_dsn() -> str:
    from pilotzone.settings import get_settings

    return get_settings().app_dsn()


@pytest.fixture(scope="session")
async def owner(owner_dsn: str) -> AsyncIterator[asyncpg.Connection]:
    """An owner (superuser) connection for arranging and checking data behind the app's back."""
    conn = await asyncpg.connect(owner_dsn)
    yield conn
    await conn.close()


@pytest.fixture(scope="session")
async def tenants(owner: asyncpg.Connection) -> dict[str, int]:
    rows = await owner.fetch("SELECT slug, id FROM tenant")
    return {r["slug"]: r["id"] for r in rows}


@pytest.fixture(scope="session")
def app():  # type: ignore[no-untyped-def]
    from pilotzone.app import create_app

    return create_app()


@pytest.fixture(scope="session")
async def client(app):  # type: ignore[no-untyped-def]
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        yield client


@pytest.fixture(scope="session")
def as_user(app):  # type: ignore[no-untyped-def]
    """``async with as_user(email) as client`` — a client signed in as that user."""
    import contextlib

    from litestar.testing import AsyncTestClient

    @contextlib.asynccontextmanager
    async def make(email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
        async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
            await sign_in(client, email, password)
            yield client

    return make


@pytest.fixture(scope="session")
async def admin_gz(as_user):  # type: ignore[no-untyped-def]
    async with as_user(demo("admin", "guangzhou")) as client:
        yield client


@pytest.fixture(scope="session")
async def admin_fs(as_user):  # type: ignore[no-untyped-def]
    async with as_user(demo("admin", "foshan")) as client:
        yield client


@pytest.fixture
def worker():  # type: ignore[no-untyped-def]
    """A Dramatiq worker on the real Redis broker, in this process. One at a time: Dramatiq's
    AsyncIO middleware keeps a process-wide event loop thread that a stopping worker clears."""
    import pilotzone.actors  # noqa: F401 - every job kind (the composition root declares them)
    from pilotzone.jobs.worker import InProcessWorker

    w = InProcessWorker(threads=2)
    yield w
    w.stop()
