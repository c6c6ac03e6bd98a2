"""Plain helpers every kind of test uses (no fixtures: those live in the nearest ``conftest.py``).

Tests import from here, from ``tests/factories`` and from helper modules beside them; never from a
``conftest.py`` or from another test module.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "pilotzone-demo-2026"  # the demo accounts' password (pilotzone.demo.demo_password)


def db_url(name: str) -> str:
    """The DSN of database ``name`` on the test server (the superuser of ``PG_ADMIN``)."""
    base, _, _ = PG_ADMIN.rpartition("/")
    return f"{base}/{name}"


async def admin_sql(sql: str) -> None:
    """One statement as the server's superuser, outside any database of the test (CREATE/DROP DATABASE)."""
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def demo(local: str, slug: str | None = None) -> str:
    """The e-mail of a demo account: ``demo("admin", "guangzhou")``, ``demo("province-viewer")``."""
    from pilotzone.demo import demo_email

    return demo_email(local, slug)


async def csrf_of(client: Any) -> str:
    """The CSRF token the layout gives this client (its session's, or its pre-sign-in cookie's)."""
    page = await client.get("/login")
    return page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


async def sign_in(client: Any, email: str, password: str = PASSWORD) -> Any:
    """Sign ``client`` in through the login form; it then sends the CSRF header like the layout does."""
    token = await csrf_of(client)
    response = await client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303, response.text[:500]
    client.headers["X-CSRF-Token"] = await csrf_of(client)  # like the layout's data-hx-headers
    return response


async def wait_done(owner: asyncpg.Connection, run_id: int, limit: float = 20) -> asyncpg.Record:
    """The job run once it is done or failed (fails the test after ``limit`` seconds)."""
    deadline = asyncio.get_running_loop().time() + limit
    while True:
        row = await owner.fetchrow("SELECT * FROM job_run WHERE id = $1", run_id)
        if row["status"] in ("done", "failed"):
            return row
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"run {run_id} still {row['status']} after {limit}s ({row['done']}/{row['total']})")
        await asyncio.sleep(0.05)


def serve(extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """A real ``pilotzone serve`` on a free port (environment plus ``extra_env``): yields its URL once
    ``/healthz`` answers, stops it afterwards (for module-scoped fixtures: ``yield from serve()``)."""
    from pilotzone.embedded import free_port  # after the session's environment is set

    extra_env = extra_env or {}
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "pilotzone.cli", "serve", "--no-setup", "--port", str(port)],
        env={**os.environ, **extra_env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90  # a loaded 2-core machine may take long to import and start
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("server did not start: " + process.stdout.read().decode(errors="replace")[-2000:])
    yield url
    process.terminate()
    process.wait(timeout=15)
