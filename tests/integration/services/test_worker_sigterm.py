"""A `pilotzone worker` whose broker is unreachable stops promptly on SIGTERM (issue 11, item 10).

Before: the worker's boot re-sent every unfinished run on its main thread, each send backing off for
seconds against the closed port; with 15 unfinished runs SIGTERM took about 30 s to take effect."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
from tests import factories

from pilotzone.embedded import free_port

RUNS = 15


async def test_worker_with_unreachable_broker_stops_on_sigterm(owner: asyncpg.Connection, tmp_path: Path) -> None:
    ids = await factories.job_runs("shantou", RUNS)  # unfinished: the worker's boot re-sends them
    try:
        took = await asyncio.to_thread(_seconds_to_stop_after_sigterm, tmp_path / "worker.log")
    finally:
        await owner.execute(
            "DELETE FROM tenant_snapshot WHERE run_id = ANY($1::int[])", ids
        )  # runs that finished
        await owner.execute("DELETE FROM job_run WHERE id = ANY($1::int[])", ids)
    print(f"worker stopped {took:.1f} s after SIGTERM")
    assert took < 8


def _seconds_to_stop_after_sigterm(log: Path) -> float:
    env = {**os.environ, "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}  # nothing listens there
    process = subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "pilotzone.cli", "worker", "--processes", "1", "--threads", "1"],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, killed whatever happens
    )
    try:
        deadline = time.monotonic() + 6  # booted and trying the closed port (or, before the fix, stuck)
        while (
            "connecting to 127.0.0.1" not in log.read_text(errors="replace") and time.monotonic() < deadline
        ):
            time.sleep(0.1)
        time.sleep(1)
        assert process.poll() is None, log.read_text(errors="replace")[-3000:]
        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)  # to dramatiq's main process, as a supervisor does
        try:
            process.wait(timeout=8)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"running 8 s after SIGTERM:\n{log.read_text(errors='replace')[-3000:]}"
            ) from None
        return time.monotonic() - signalled
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)
