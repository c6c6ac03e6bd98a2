"""First start on a fresh data folder (issue 11, item 11): `pilotzone demo` and `pilotzone serve` as
subprocesses with PILOTZONE_DATA_DIR pointing at a folder that does not exist yet and DATABASE_URL
set (a fresh database), so the embedded S3 is started and its credentials written there. A command
whose service is not running says so in one line, without a traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
import pytest
from tests.support import PG_ADMIN, db_url

from pilotzone.embedded import free_port


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("S3_ENDPOINT", "S3_ACCESS_KEY", "S3_SECRET_KEY")}
    env.update({"PILOTZONE_DATA_DIR": str(data_dir), "EMBEDDED_S3_PORT": str(free_port()), **extra})
    return env


def _cli(*args: str, env: dict[str, str], timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "pilotzone.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
async def fresh_database():  # type: ignore[no-untyped-def]
    name = f"pilotzone_fresh_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(PG_ADMIN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield db_url(name)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_demo_on_a_fresh_data_folder(fresh_database: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "does" / "not" / "exist"
    env = _env(data_dir, DATABASE_URL=fresh_database)
    env.pop("REDIS_URL")  # as on a first try: nothing but the database configured
    done = _cli("demo", env=env)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert (data_dir / "s3-credentials.json").exists()
    assert (data_dir / "s3-credentials.json").stat().st_mode & 0o077 == 0
    conn = await asyncpg.connect(fresh_database)
    try:
        assert await conn.fetchval("SELECT count(*) FROM tenant") >= 2
        assert await conn.fetchval("SELECT count(*) FROM document") >= 1  # the sample PDFs went to S3
    finally:
        await conn.close()
    again = _cli("demo", env=env)  # the second start reuses the folder and its S3 credentials
    assert again.returncode == 0, again.stderr[-3000:]


def test_serve_on_a_fresh_data_folder(tmp_path: Path) -> None:
    """The session's (migrated) database, no S3 configured: serve starts the embedded one."""
    data_dir, port = tmp_path / "fresh", free_port()
    env = _env(data_dir)
    env.pop("REDIS_URL")
    process = subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "pilotzone.cli", "serve", "--no-setup", "--port", str(port)],
        env=env,
        stdout=(tmp_path / "serve.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline, ready = time.monotonic() + 60, None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        log = (tmp_path / "serve.log").read_text(errors="replace")
        assert ready is not None, log[-3000:]
        assert ready.status_code == 200 and ready.json()["checks"]["s3"] == "ok", ready.text
        assert (data_dir / "s3-credentials.json").exists()
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        finally:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    assert "Traceback" not in (tmp_path / "serve.log").read_text(errors="replace")


@pytest.mark.parametrize(
    "args",
    [("migrate",), ("tenants", "sync"), ("demo",), ("certificates", "sweep"), ("serve", "--port", "1")],
)
def test_a_command_whose_database_is_down_says_so_in_one_line(args: tuple[str, ...], tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    env = _env(tmp_path / "data", DATABASE_URL=f"postgresql://postgres@127.0.0.1:{port}/pilotzone")
    env.pop("REDIS_URL")
    done = _cli(*args, env=env, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines == [
        f"Error: PostgreSQL at 127.0.0.1:{port} is not reachable (Connection refused); check DATABASE_URL"
    ]


def test_serve_with_the_database_down_answers_503(tmp_path: Path) -> None:
    """Started against a closed port (no setup): it runs, /readyz and the pages say the database is down."""
    port, closed = free_port(), free_port()
    env = _env(tmp_path / "data", DATABASE_URL=f"postgresql://postgres@127.0.0.1:{closed}/pilotzone")
    env.pop("REDIS_URL")
    process = subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "pilotzone.cli", "serve", "--no-setup", "--port", str(port)],
        env=env,
        stdout=(tmp_path / "serve.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline, ready = time.monotonic() + 60, None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        log = (tmp_path / "serve.log").read_text(errors="replace")
        assert ready is not None, log[-3000:]
        assert ready.status_code == 503 and ready.json()["checks"]["database"].startswith("error"), ready.text
        page = httpx.get(f"http://127.0.0.1:{port}/z/guangzhou/parks/", timeout=10)
        assert page.status_code == 503 and "数据库暂时无法连接" in page.text, page.text[:500]
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        finally:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    assert "Traceback" not in (tmp_path / "serve.log").read_text(errors="replace")


def test_demo_with_s3_down_says_so_in_one_line(fresh_database: str, tmp_path: Path) -> None:
    port = free_port()
    env = _env(
        tmp_path / "data",
        DATABASE_URL=fresh_database,
        S3_ENDPOINT=f"http://127.0.0.1:{port}",
        S3_ACCESS_KEY="nobody",
        S3_SECRET_KEY="nothing",
    )
    env.pop("REDIS_URL")
    done = _cli("demo", env=env)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-3000:]
    assert done.stderr.strip().splitlines() == [
        f"Error: S3 at 127.0.0.1:{port} is not reachable ([Errno 111] Connection refused); check S3_ENDPOINT"
    ]
