"""Tenant page vs a bare Litestar+asyncpg handler, same rows, same 50-row HTML table.

    uv run python bench/pages.py [--duration 15] [--connections 32]

Seeds a bench tenant with 10,000 parks in a fresh database (on the machine's PostgreSQL, or
BENCH_PG_ADMIN_URL), serves PilotZone with granian (1 worker, the app's full stack as a signed-in
bureau reviewer: session lookup, CSRF, guard with membership check, RLS transaction as the app role,
Jinja page) and, in the same run, the bare app
(bench/bare_app.py: asyncpg pool as owner, no middleware, same template). A separate wrk process
drives each at 32 connections, in alternating rounds (3 each, the best counts). Prints req/s, p50/p99
and the ratio. Targets: ratio >= 0.7 (issue 12),
p99 <= 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python bench/pages.py` puts bench/ first
from bench import common  # noqa: E402
from bench.common import session_cookie, start, stop  # noqa: E402

DB = "pilotzone_bench"
ROWS = 10_000
PAGE = 101  # rows 5001-5050: an offset deep into the table, the same for both
TARGET_RATIO = 0.7


def db_url() -> str:
    return common.db_url(DB)


async def prepare() -> int:
    conn = await common.fresh_database(DB)
    tenant_id = await common.bench_tenant(conn)
    kinds = ["industrial_park", "specialized_market", "bonded_zone", "supervision_center"]
    records = [
        (
            tenant_id,
            f"bench-{i:05}",
            f"基准园区{i:05}",
            f"Bench park {i:05}",
            kinds[i % 4],
            "440101",
            "",
            "",
            "active",
            "bureau",
        )
        for i in range(ROWS)
    ]
    await conn.copy_records_to_table(
        "park",
        records=records,
        columns=[
            "tenant_id",
            "key",
            "name_zh",
            "name_en",
            "kind",
            "district_code",
            "note_zh",
            "note_en",
            "status",
            "source",
        ],
    )
    await conn.execute("VACUUM ANALYZE park")  # the steady state autovacuum keeps: visibility map, statistics
    await common.bench_user(conn, tenant_id, "bureau_reviewer")
    await conn.close()
    return tenant_id


def wrk(url: str, seconds: int, connections: int, cookie: str = "") -> dict[str, float]:
    header = ["-H", f"Cookie: {cookie}"] if cookie else []
    warm_up = ["wrk", "-t2", f"-c{connections}", "-d3s", *header, url]
    subprocess.run(warm_up, capture_output=True, check=True)
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", *header, url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit(f"{url} answered {non2xx.group(1)} errors:\n{out}")

    def ms(label: str) -> float:
        value, unit = re.search(rf"\s{label}\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return {"rps": rps, "p50": ms("50%"), "p99": ms("99%")}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per server (best one counts)")
    opts = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install -y wrk")

    env = {
        **os.environ,
        "PILOTZONE_ENV": "test",  # as in production (and bench/registry_list.py): no template stat per render
        "DATABASE_URL": db_url(),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "S3_ENDPOINT": "http://127.0.0.1:9",  # not used by this page; /readyz would report it
        "S3_ACCESS_KEY": "bench",
        "S3_SECRET_KEY": "bench",
        "DB_POOL_MIN": "10",
        "DB_POOL_MAX": "10",
    }
    os.environ.update(env)
    tenant_id = asyncio.run(prepare())
    print(f"seeded tenant {tenant_id} with {ROWS:,} parks in {DB}")

    ours_url = f"http://127.0.0.1:8701/z/bench/parks/?page={PAGE}&per_page=50"
    bare_url = f"http://127.0.0.1:8702/bare?page={PAGE}"
    granian = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "asgi",
        "--workers",
        "1",
        "--no-ws",
        "--log-level",
        "warning",
    ]
    ours = start(
        [*granian, "--port", "8701", "--factory", "pilotzone.app:create_app"],
        env,
        "http://127.0.0.1:8701/healthz",
    )
    try:
        bare = start(
            [*granian, "--port", "8702", "bench.bare_app:app"],
            {**env, "BENCH_TENANT_ID": str(tenant_id)},
            bare_url,
        )
    except BaseException:
        stop(ours)
        raise
    try:
        cookie = session_cookie("http://127.0.0.1:8701")
        a, b = httpx.get(ours_url, headers={"Cookie": cookie}).text, httpx.get(bare_url).text
        rows_ours, rows_bare = a.count("<tr>") - 1, b.count("<tr>") - 1
        assert rows_ours == rows_bare == 50, (rows_ours, rows_bare)
        results = {}
        # alternating rounds, the best of each server: a machine shared with other work slows some rounds
        for name, url in [("bare", bare_url), ("pilotzone", ours_url)] * opts.rounds:
            r = wrk(url, opts.duration, opts.connections, cookie if name == "pilotzone" else "")
            print(f"  round {name:<10}{r['rps']:>8.0f} req/s", flush=True)
            best = results.get(name)
            results[name] = r if best is None or r["rps"] > best["rps"] else best
    finally:
        stop(ours)
        stop(bare)
    print(f"\n{'server':<12}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for name, r in results.items():
        print(f"{name:<12}{r['rps']:>10.0f}{r['p50']:>10.2f}{r['p99']:>10.2f}")
    ratio = results["pilotzone"]["rps"] / results["bare"]["rps"]
    p99 = results["pilotzone"]["p99"]
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nratio pilotzone/bare req/s: {ratio:.2f} (target >= {TARGET_RATIO:.2f})  p99 {p99:.1f} ms (target <= 50)")
    print(f"load average after: {load}")
    return 0 if ratio >= TARGET_RATIO and p99 <= 50 else 1


if __name__ == "__main__":
    sys.exit(main())
