"""A 100 MB upload through the app into S3 vs a direct minio ``put_object`` of the same bytes.

    uv run python bench/upload.py [--mb 100] [--rounds 3]

Starts its own ``weed mini`` (S3) and a throwaway database (on the machine's PostgreSQL, or
BENCH_PG_ADMIN_URL), migrates and syncs the tenants like the test session, seeds a bureau admin of
guangzhou and a park, and serves PilotZone with granian (1 worker, UPLOAD_MAX_BYTES raised for the
file) in a subprocess. Signed in like a browser, it posts a multipart form (csrf_token field, then
the file) whose body comes from a generator, so the client never holds the file; the direct upload
sends the same bytes from the same generator with the minio SDK to the same server. /proc/<pid>
VmRSS of the app's processes is sampled every 10 ms during each upload, and their VmHWM is
reset before it (``/proc/<pid>/clear_refs``) so the exact peak is known too.

Prints, per round and best of the rounds: seconds and MB/s of each, the CPU seconds the app's
processes spent on the upload (2 cores are shared by client, app and S3), the app's RSS before
the upload and its peak (exact VmHWM, and the 10 ms samples), and the growth of that peak over
the app's RSS before the first round (so memory kept from an earlier round counts).
Targets: RSS growth <= 64 MB, throughput app/direct >= 0.7 (best round). Exit status 1 when a
target is missed. The throughput ratio moves with the machine's load: run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import random
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python bench/upload.py` puts bench/ first

from bench import common  # noqa: E402
from bench.common import session_cookie, start, stop  # noqa: E402

DB = "pilotzone_bench_upload"
MIB = 1024 * 1024
CHUNK = MIB  # what the client generator yields at a time
PORT = 8711


def db_url() -> str:
    return common.db_url(DB)


async def prepare() -> int:
    """Fresh database, migrations, tenants, a bench bureau admin of guangzhou and one park."""
    conn = await common.fresh_database(DB)
    tenant_id = await conn.fetchval("SELECT id FROM tenant WHERE slug = 'guangzhou'")
    park = await conn.fetchval(
        "INSERT INTO park (tenant_id, key, name_zh, name_en, kind, district_code, note_zh, note_en, status, source) "
        "VALUES ($1, 'bench-upload', '上传基准园区', 'Upload bench park', 'industrial_park', '440106', '', '', "
        "'active', 'bureau') RETURNING id",
        tenant_id,
    )
    await common.bench_user(conn, tenant_id, "bureau_admin")
    await conn.close()
    return park


def file_chunks(size: int) -> Iterator[bytes]:
    """The same pseudo-random bytes every time (a PDF header first), one chunk at a time."""
    head = b"%PDF-1.7\n% bench\n"
    rng = random.Random(20261201)  # noqa: S311 - filler, not a secret
    sent = 0
    while sent < size:
        n = min(CHUNK, size - sent)
        chunk = rng.randbytes(n)
        if sent == 0:
            chunk = head + chunk[len(head) :]
        sent += n
        yield chunk


class ChunkReader:
    """File-like view of ``file_chunks`` for the minio SDK."""

    def __init__(self, size: int) -> None:
        self.chunks = file_chunks(size)
        self.buffer = bytearray()

    def read(self, n: int = -1) -> bytes:
        while n < 0 or len(self.buffer) < n:
            chunk = next(self.chunks, None)
            if chunk is None:
                break
            self.buffer += chunk
        n = len(self.buffer) if n < 0 else min(n, len(self.buffer))
        data = bytes(memoryview(self.buffer)[:n])
        del self.buffer[:n]
        return data


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (granian runs its worker as a child process)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of the processes (all their threads) so far."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def reset_peak(pids: list[int]) -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0), so VmHWM afterwards is the exact peak."""
    try:
        for pid in pids:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def memory(pids: list[int]) -> tuple[int, int]:
    """Summed VmRSS and VmHWM in bytes."""
    rss = hwm = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss += int(line.split()[1]) * 1024
            elif line.startswith("VmHWM:"):
                hwm += int(line.split()[1]) * 1024
    return rss, hwm


class Sampler(threading.Thread):
    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.pids, self.peak, self.stop = pids, 0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, memory(self.pids)[0])
            time.sleep(0.01)


def upload_through_app(base: str, cookie: str, park: int, size: int, pids: list[int]) -> dict[str, float]:
    with httpx.Client(base_url=base, headers={"Cookie": cookie}, timeout=300) as client:
        page = client.get(f"/z/guangzhou/parks/{park}")
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        boundary = secrets.token_hex(16)
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="基准-{size // MIB}MB.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()

        def body() -> Iterator[bytes]:
            yield head
            yield from file_chunks(size)
            yield tail

        headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(len(head) + size + len(tail)),  # as a browser sends it
        }
        exact = reset_peak(pids)
        before_rss = memory(pids)[0]
        sampler = Sampler(pids)
        sampler.start()
        cpu0, t0 = cpu_seconds(pids), time.perf_counter()
        response = client.post(f"/z/guangzhou/documents/park/{park}", content=body(), headers=headers)
        seconds, cpu = time.perf_counter() - t0, cpu_seconds(pids) - cpu0
        sampler.stop.set()
        sampler.join()
        after_rss, after_hwm = memory(pids)
        if response.status_code != 303:
            raise SystemExit(f"upload answered {response.status_code}: {response.text[:1000]}")
    return {
        "seconds": seconds,
        "cpu": cpu,
        # the exact peak (VmHWM after a reset) where the kernel allows it, else the 10 ms samples
        "peak": max(sampler.peak, after_rss, after_hwm if exact else 0),
        "sampled": max(sampler.peak, after_rss),
        "rss_before": before_rss,
    }


def upload_direct(size: int) -> float:
    from pilotzone.documents.storage import get_storage

    storage = get_storage()
    key = f"bench-direct/{secrets.token_hex(8)}"
    t0 = time.perf_counter()
    storage.client.put_object(
        storage.bucket, key, ChunkReader(size), length=size, content_type="application/pdf"
    )  # the SDK's own choice of part size and parallelism for a known length
    seconds = time.perf_counter() - t0
    storage.remove(key)
    return seconds


def check_stored(size: int) -> None:
    """The last app upload is complete and byte-identical in S3."""
    from pilotzone.documents.storage import get_storage

    async def last() -> asyncpg.Record:
        conn = await asyncpg.connect(db_url())
        try:
            return await conn.fetchrow(
                "SELECT size, sha256, storage_key FROM document ORDER BY id DESC LIMIT 1"
            )
        finally:
            await conn.close()

    row = asyncio.run(last())
    expected = hashlib.sha256()
    for chunk in file_chunks(size):
        expected.update(chunk)
    stored = hashlib.sha256()
    for chunk in get_storage().iter_object(row["storage_key"]):
        stored.update(chunk)
    assert row["size"] == size and row["sha256"] == expected.hexdigest() == stored.hexdigest(), row


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    opts = parser.parse_args()
    size = opts.mb * MIB

    tmp = Path(tempfile.mkdtemp(prefix="pilotzone-bench-upload-"))
    from pilotzone.embedded import WeedServer, free_port

    weed = WeedServer(tmp / "s3", free_port(), "benchaccess", "benchsecret-" + secrets.token_hex(8))
    weed.start()
    app = None
    try:
        env = {
            **os.environ,
            "PILOTZONE_ENV": "development",
            "PILOTZONE_DATA_DIR": str(tmp / "data"),
            "DATABASE_URL": db_url(),
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
            "S3_ENDPOINT": weed.endpoint,
            "S3_ACCESS_KEY": weed.access_key,
            "S3_SECRET_KEY": weed.secret_key,
            "S3_BUCKET": "pilotzone-bench",
            "UPLOAD_MAX_BYTES": str(size + 16 * MIB),
        }
        os.environ.update(env)
        park = asyncio.run(prepare())
        from pilotzone.documents.storage import get_storage

        get_storage().ensure_bucket()
        granian = [sys.executable, "-m", "granian", "--interface", "asgi", "--workers", "1", "--no-ws"]
        app = start(
            [
                *granian,
                "--log-level",
                "warning",
                "--port",
                str(PORT),
                "--factory",
                "pilotzone.app:create_app",
            ],
            env,
            f"http://127.0.0.1:{PORT}/healthz",
        )
        base = f"http://127.0.0.1:{PORT}"
        cookie = session_cookie(base)
        pids = tree(app.pid)
        upload_through_app(base, cookie, park, 4 * MIB, pids)  # warm-up: imports, pools, first S3 calls
        upload_direct(4 * MIB)
        baseline = memory(pids)[0]
        print(f"app processes {pids}, RSS before the first round {baseline / MIB:.0f} MB")
        print(
            f"\n{'round':<7}{'direct s':>9}{'MB/s':>8}{'app s':>9}{'MB/s':>8}{'ratio':>7}"
            f"{'app CPU s':>10}{'RSS before':>11}{'peak':>6}{'sampled':>8}{'growth MB':>10}"
        )
        rounds = []
        for n in range(1, opts.rounds + 1):
            direct = upload_direct(size)
            ours = upload_through_app(base, cookie, park, size, pids)
            rounds.append((direct, ours))
            print(
                f"{n:<7}{direct:>9.2f}{opts.mb / direct:>8.1f}{ours['seconds']:>9.2f}{opts.mb / ours['seconds']:>8.1f}"
                f"{direct / ours['seconds']:>7.2f}{ours['cpu']:>10.2f}{ours['rss_before'] / MIB:>11.0f}"
                f"{ours['peak'] / MIB:>6.0f}{ours['sampled'] / MIB:>8.0f}{(ours['peak'] - baseline) / MIB:>10.1f}"
            )
        check_stored(size)
    finally:
        if app is not None:
            stop(app)
        weed.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        asyncio.run(common.drop_database(DB))
    best_direct = min(d for d, _ in rounds)
    best_app = min(o["seconds"] for _, o in rounds)
    growth = max(o["peak"] for _, o in rounds) - baseline  # what stays from earlier rounds counts too
    ratio = best_direct / best_app
    ok_rss, ok_ratio = growth <= 64 * MIB, ratio >= 0.7
    print(
        f"\nthroughput app/direct (best of {opts.rounds}): {ratio:.2f} (target >= 0.70) "
        f"{'PASS' if ok_ratio else 'FAIL'}\n"
        f"peak RSS growth of the app over its RSS before the first round: {growth / MIB:.1f} MB (target <= 64) "
        f"{'PASS' if ok_rss else 'FAIL'}"
    )
    return 0 if ok_rss and ok_ratio else 1


if __name__ == "__main__":
    sys.exit(main())
