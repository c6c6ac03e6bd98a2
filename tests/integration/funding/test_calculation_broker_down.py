"""Redis down when a calculation starts (issue 11, item 8), with a Redis, a web server and a worker
that this test starts and stops: the run is recorded, the round page says it waits for the job service,
the job runs page lists it with a retry, and once Redis is back the calculation completes by itself
(no worker restart), with every result exactly once."""

from __future__ import annotations

import asyncio
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
from tests import factories
from tests.integration.funding.steps import verified
from tests.support import demo, sign_in

from pilotzone.embedded import free_port, port_open

N = 1200  # three chunks


class Redis:
    """A redis-server of this test only, on its own port (never the machine's 6379)."""

    def __init__(self, port: int, log: Path) -> None:
        self.port, self.log, self.process = port, log, None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603, S607 - fixed arguments
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _until(lambda: port_open("127.0.0.1", self.port), 10, "redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        _until(lambda: not port_open("127.0.0.1", self.port), 10, "redis-server did not stop")


def _until(check, limit: float, message: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + limit
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.05)


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "pilotzone.cli", *args],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: killed whatever happens
    )


def _kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        pass
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)


async def _poll(owner: asyncpg.Connection, sql: str, *args: object, limit: float = 60) -> asyncpg.Record:
    deadline = asyncio.get_running_loop().time() + limit
    while True:
        row = await owner.fetchrow(sql, *args)
        if row is not None:
            return row
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"timed out waiting for: {sql} {args}")
        await asyncio.sleep(0.1)


@pytest.fixture
async def services_down_and_up(tmp_path: Path):  # type: ignore[no-untyped-def]
    """(redis, base url of a `pilotzone serve`): the server and a `pilotzone worker` use the redis."""
    redis = Redis(free_port(), tmp_path / "redis.log")
    redis.start()
    web_port = free_port()
    env = {
        **os.environ,
        "REDIS_URL": f"redis://127.0.0.1:{redis.port}/0",
        "DRAMATIQ_NAMESPACE": f"pilotzone-down-{uuid.uuid4().hex[:8]}",
        "JOB_RESEND_INTERVAL": "1",
        "REDIS_TIMEOUT": "1",
    }
    web = _spawn(["serve", "--no-setup", "--port", str(web_port)], env, tmp_path / "web.log")
    worker = _spawn(["worker", "--processes", "1", "--threads", "2"], env, tmp_path / "worker.log")
    try:
        await asyncio.to_thread(_until, lambda: port_open("127.0.0.1", web_port), 60, "serve did not start")
        yield redis, f"http://127.0.0.1:{web_port}"
    except BaseException:
        for name in ("web.log", "worker.log"):
            print(name, (tmp_path / name).read_text(errors="replace")[-3000:])
        raise
    finally:
        await asyncio.to_thread(_kill, worker)
        await asyncio.to_thread(_kill, web)
        await asyncio.to_thread(redis.stop)


async def test_calculation_started_while_redis_is_down_completes_when_it_is_back(
    services_down_and_up, owner: asyncpg.Connection, program: dict
) -> None:
    redis, base = services_down_and_up
    gz, rid = program["tenant"], program["round"]
    enterprise = await owner.fetchval(
        "SELECT id FROM enterprise WHERE tenant_id = $1 AND status = 'active' LIMIT 1", gz
    )
    await factories.funding_applications(
        "guangzhou",
        program["program"],
        program["version"],
        rid,
        [verified(enterprise, f"断线测试{i}", {"exports": str(1 + i % 900)}) for i in range(1, N + 1)],
    )
    await owner.execute("UPDATE round SET status = 'closed' WHERE id = $1", rid)
    round_page = f"/z/guangzhou/funding/rounds/{rid}"
    async with httpx.AsyncClient(base_url=base, timeout=30) as admin:
        await sign_in(admin, demo("admin", "guangzhou"))
        await asyncio.to_thread(redis.stop)  # the job service goes away

        started = time.monotonic()
        response = await admin.post(f"{round_page}/calculate", follow_redirects=False)
        assert response.status_code == 303 and time.monotonic() - started < 10
        calc = await owner.fetchrow(
            "SELECT id, job_run FROM calculation WHERE round = $1 AND version = 1", rid
        )
        run = await _poll(
            owner, "SELECT * FROM job_run WHERE id = $1 AND send_error <> ''", calc["job_run"], limit=10
        )
        assert run["status"] == "queued" and run["send_due"] is not None and "127.0.0.1" in run["send_error"]

        page = await admin.get(round_page)  # the round page says the run waits, and offers a retry
        assert f'id="job-{run["id"]}-waiting"' in page.text and "等待作业服务" in page.text
        assert f'action="/z/guangzhou/jobs/{run["id"]}/resend"' in page.text
        listing = await admin.get("/z/guangzhou/jobs/")
        assert listing.status_code == 200 and f'id="waiting-{run["id"]}"' in listing.text

        retried = await admin.post(  # while Redis is still down: refused again, still recorded
            f"/z/guangzhou/jobs/{run['id']}/resend", data={"next": round_page}, follow_redirects=False
        )
        assert retried.status_code == 303 and retried.headers["location"] == round_page
        await _poll(owner, "SELECT 1 FROM job_run WHERE id = $1 AND send_error <> ''", run["id"], limit=10)
        assert await owner.fetchval("SELECT status FROM calculation WHERE id = $1", calc["id"]) == "running"

        await asyncio.to_thread(redis.start)  # back: the workers re-send it within JOB_RESEND_INTERVAL
        await _poll(owner, "SELECT 1 FROM calculation WHERE id = $1 AND status = 'calculated'", calc["id"])
        done = await owner.fetchrow("SELECT * FROM job_run WHERE id = $1", run["id"])
        assert done["status"] == "done" and done["done"] == N and done["send_due"] is None
        assert await owner.fetchval("SELECT status FROM round WHERE id = $1", rid) == "calculated"
        counts = await owner.fetchrow(
            "SELECT count(*) AS n, count(DISTINCT application) AS apps FROM calculation_result WHERE calculation = $1",
            calc["id"],
        )
        assert counts["n"] == counts["apps"] == N
        listing = await admin.get("/z/guangzhou/jobs/")
        assert f'id="waiting-{run["id"]}"' not in listing.text
