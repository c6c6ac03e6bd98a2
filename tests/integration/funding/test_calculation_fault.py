"""A `pilotzone worker` process killed with SIGKILL in the middle of a round calculation: after a new
worker starts (it re-sends unfinished runs), the round completes with results identical to an
uninterrupted calculation and no duplicate rows."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest
from tests import factories
from tests.integration.funding.steps import verified

N = 3000  # ten chunks: time to kill a worker between two of them


def _start_worker(log: Path) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "pilotzone.cli", "worker", "--processes", "1", "--threads", "1"],
        env=os.environ.copy(),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: the kill reaches dramatiq's worker child too
    )


def _stop(process: subprocess.Popen, sig: int) -> None:
    """``sig`` to dramatiq's main process (it passes SIGTERM on to its child), then SIGKILL to the
    whole group: a worker child must not outlive the test (it would poll Redis for ever)."""
    process.send_signal(sig)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:  # a graceful stop that hangs is not what this test is about
        pass
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)


async def _poll(owner: asyncpg.Connection, sql: str, *args: object, limit: float = 90) -> asyncpg.Record:
    deadline = asyncio.get_running_loop().time() + limit
    while True:
        row = await owner.fetchrow(sql, *args)
        if row is not None:
            return row
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"timed out waiting for: {sql}")
        await asyncio.sleep(0.01)


async def _results(owner: asyncpg.Connection, calculation: int) -> list[tuple]:
    rows = await owner.fetch(
        "SELECT application, eligible, claim, award, reasons, explanation FROM calculation_result "
        "WHERE calculation = $1 ORDER BY application",
        calculation,
    )
    return [tuple(r) for r in rows]


async def test_sigkill_mid_calculation_then_restart(
    admin_gz, owner: asyncpg.Connection, program: dict, tmp_path: Path
) -> None:
    gz, rid = program["tenant"], program["round"]
    enterprises = [r["id"] for r in await owner.fetch(
        "SELECT id FROM enterprise WHERE tenant_id = $1 AND status = 'active' ORDER BY id LIMIT 7", gz
    )]
    rows = [
        verified(enterprises[i % len(enterprises)], f"故障测试{i}", {"exports": f"{1 + (i * 53) % 4000}.37"}, ago=i)
        for i in range(1, N + 1)
    ]
    await factories.funding_applications("guangzhou", program["program"], program["version"], rid, rows)
    await owner.execute("UPDATE round SET status = 'closed' WHERE id = $1", rid)
    first_worker = _start_worker(tmp_path / "first.log")
    try:
        started = await admin_gz.post(f"/z/guangzhou/funding/rounds/{rid}/calculate", follow_redirects=False)
        assert started.status_code == 303
        calc = await owner.fetchrow("SELECT id, job_run FROM calculation WHERE round = $1 AND version = 1", rid)
        await _poll(owner, "SELECT 1 FROM calculation WHERE id = $1 AND cursor > 0", calc["id"])
    finally:
        _stop(first_worker, signal.SIGKILL)
    interrupted = await owner.fetchrow("SELECT status, cursor FROM calculation WHERE id = $1", calc["id"])
    assert interrupted["status"] == "running", "the calculation finished before the worker was killed"
    assert await owner.fetchval("SELECT count(*) FROM calculation_result WHERE calculation = $1", calc["id"]) < N

    second_worker = _start_worker(tmp_path / "second.log")  # boots, re-sends the unfinished run
    try:
        await _poll(owner, "SELECT 1 FROM calculation WHERE id = $1 AND status = 'calculated'", calc["id"])
        again = await admin_gz.post(f"/z/guangzhou/funding/rounds/{rid}/calculate", follow_redirects=False)
        assert again.status_code == 303
        clean = await owner.fetchrow("SELECT id FROM calculation WHERE round = $1 AND version = 2", rid)
        await _poll(owner, "SELECT 1 FROM calculation WHERE id = $1 AND status = 'calculated'", clean["id"])
    except BaseException:
        print((tmp_path / "second.log").read_text(errors="replace")[-3000:])
        raise
    finally:
        _stop(second_worker, signal.SIGTERM)
    recovered, uninterrupted = await _results(owner, calc["id"]), await _results(owner, clean["id"])
    assert len(recovered) == N and len({r[0] for r in recovered}) == N
    assert recovered == uninterrupted
    run = await owner.fetchrow("SELECT status, done, total FROM job_run WHERE id = $1", calc["job_run"])
    assert run["status"] == "done" and run["total"] == N
