"""Machine-API ingest: 4 clients POSTing 1,000-row batches of trade figures for N seconds.

    uv run python bench/api_ingest.py [--duration 20] [--clients 4] [--workers 1]

Seeds a fresh database (the machine's PostgreSQL, or BENCH_PG_ADMIN_URL) with a bench tenant, 2,000
active enterprises and one API client per sender (scope trade:write), serves PilotZone with granian
(the app's full stack: bearer token, the client's row, rate limit in Redis, RLS transaction as the
app role, msgspec decoding, every row checked, one enterprise lookup, one write statement, the batch
and the audit row) and drives it with asyncio senders in this process, each obtaining its own token
from /oauth/token first. The rows of each batch are new keys or changed values (nothing is skipped as
unchanged). Prints rows/s sustained (2xx batches only, after a warm-up), p50/p99 per batch and
ratio = rows/s / 20,000 (issue 14: >= 20,000 rows/s, p99 <= 500 ms). The per-client rate limit is raised
for the run (API_RATE_LIMIT) so that it measures the write path, not the limit.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import asyncpg
import httpx
import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python bench/api_ingest.py` puts bench/ first
from bench import common  # noqa: E402
from bench.common import start, stop  # noqa: E402

DB = "pilotzone_bench_api"
ENTERPRISES = 2_000
ROWS = 1_000
BASELINE = 20_000  # rows/s (issue 14)
P99_TARGET_MS = 500
PORT = 8711
COUNTRIES = ["US", "DE", "FR", "GB", "JP", "KR", "SG", "MY", "TH", "VN", "AU", "CA", "MX", "BR", "AE",
             "SA", "NL", "IT", "ES", "PL", "RU", "TR", "IN", "ID", "PH", "NZ", "SE", "BE", "CH", "AT"]
COMBOS = [("9610", "export"), ("9610", "import"), ("9710", "export"), ("9810", "export"), ("1210", "export")]


def _months(count: int) -> list[str]:
    today = date.today()
    out, year, month = [], today.year, today.month
    for _ in range(count):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        out.append(f"{year}-{month:02d}")
    return out


MONTHS = _months(24)


async def prepare(senders: int) -> tuple[list[str], list[tuple[str, str]]]:
    """The bench tenant's enterprises (credit codes) and one client (id, secret) per sender."""
    from pilotzone.api.clients import hash_secret
    from pilotzone.registry.uscc import with_check

    conn = await common.fresh_database(DB)
    tenant_id = await common.bench_tenant(conn)
    usccs = [with_check(f"91440101MA{i:07d}") for i in range(ENTERPRISES)]
    await conn.copy_records_to_table(
        "enterprise",
        records=[(tenant_id, f"基准企业{i:05}", code, "440101", "active", "bureau") for i, code in enumerate(usccs)],
        columns=["tenant_id", "name", "uscc", "district_code", "status", "source"],
    )
    clients = []
    for n in range(senders):
        client_id, secret = f"bench.sender{n:02d}", f"bench-secret-{n:02d}-{os.urandom(8).hex()}"
        await conn.execute(
            "INSERT INTO api_client (tenant_id, name, client_id, secret_hash, scopes, created_at) "
            "VALUES ($1, $2, $3, $4, ARRAY['trade:write']::varchar[], now())",
            tenant_id, f"bench sender {n}", client_id, hash_secret(secret),
        )
        clients.append((client_id, secret))
    await _history(conn, tenant_id)
    await conn.execute("VACUUM ANALYZE enterprise")
    await conn.execute("VACUUM ANALYZE trade_figure")  # what autovacuum keeps up to date in a deployment
    await conn.close()
    return usccs, clients


async def _history(conn: asyncpg.Connection, tenant_id: int) -> None:
    """The year before the months the senders write: 240,000 figures the tenant already holds (the
    senders' lookups then run against a table of realistic size and statistics)."""
    batch_id = await conn.fetchval(
        "INSERT INTO trade_batch (tenant_id, source, label, status, errors, created_at) "
        "VALUES ($1, 'api', 'history', 'done', '[]'::jsonb, now()) RETURNING id", tenant_id)
    ids = [r["id"] for r in await conn.fetch("SELECT id FROM enterprise WHERE tenant_id = $1 ORDER BY id", tenant_id)]
    old = [date(int(m[:4]) - 2, int(m[5:]), 1) for m in MONTHS[:12]]
    records = [
        (tenant_id, e, month, mode, direction, country, "api", Decimal(f"{(e * 13 + k) % 100000}.00"), k, k, batch_id)
        for e in ids for month in old for k, (mode, direction) in enumerate(COMBOS) for country in ("US", "DE")
    ]
    await conn.copy_records_to_table(
        "trade_figure", records=records,
        columns=["tenant_id", "enterprise", "period", "mode", "direction", "country", "source", "value_cny",
                 "orders", "parcels", "batch"],
    )


def batch(sender: int, n: int, usccs: list[str]) -> bytes:
    """Batch ``n`` of ``sender``: 1,000 distinct keys (distinct enterprises); a key seen again carries
    another value (replaced), so every row writes."""
    start_at = (n * ROWS) % len(usccs)
    country = COUNTRIES[(sender * 7 + n // 2) % len(COUNTRIES)]
    month = MONTHS[(n // 4) % len(MONTHS)]
    mode, direction = COMBOS[(sender + n) % len(COMBOS)]
    rows = [
        {"uscc": usccs[(start_at + j) % len(usccs)], "period": month, "mode": mode, "direction": direction,
         "country": country, "value_cny": f"{(n * 7919 + j * 31) % 10_000_000}.{j % 100:02d}",
         "orders": j + n, "parcels": j + n + 1}
        for j in range(ROWS)
    ]
    return msgspec.json.encode({"figures": rows})


async def sender(index: int, credentials: tuple[str, str], usccs: list[str], until: float, warm_until: float,
                 latencies: list[float], counted: list[int], errors: list[str]) -> None:
    base = f"http://127.0.0.1:{PORT}"
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        issued = await http.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=credentials)
        issued.raise_for_status()
        headers = {"Authorization": f"Bearer {issued.json()['access_token']}", "Content-Type": "application/json"}
        n = 0
        while time.monotonic() < until:
            body = batch(index, n, usccs)
            started = time.monotonic()
            answer = await http.post("/api/v1/z/bench/trade-figures", content=body, headers=headers)
            took = time.monotonic() - started
            n += 1
            if answer.status_code != 200:
                errors.append(f"{answer.status_code}: {answer.text[:300]}")
                continue
            if started >= warm_until:
                latencies.append(took * 1000)
                counted[0] += answer.json()["rows"]


async def drive(clients: list[tuple[str, str]], usccs: list[str], seconds: float, warm: float) -> dict:
    latencies: list[float] = []
    counted = [0]
    errors: list[str] = []
    begin = time.monotonic()
    warm_until, until = begin + warm, begin + warm + seconds
    await asyncio.gather(*(sender(i, c, usccs, until, warm_until, latencies, counted, errors)
                           for i, c in enumerate(clients)))
    elapsed = time.monotonic() - warm_until
    return {"rows": counted[0], "seconds": elapsed, "latencies": latencies, "errors": errors}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--warm-up", type=float, default=3)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=1, help="granian worker processes")
    opts = parser.parse_args()
    env = {
        **os.environ,
        "PILOTZONE_ENV": "test",
        "DATABASE_URL": common.db_url(DB),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "DRAMATIQ_NAMESPACE": "pilotzone-bench-api",
        "S3_ENDPOINT": "http://127.0.0.1:9",  # not used by the API; /readyz would report it
        "S3_ACCESS_KEY": "bench",
        "S3_SECRET_KEY": "bench",
        "DB_POOL_MIN": "8",
        "DB_POOL_MAX": "8",
        "API_RATE_LIMIT": "1000000",
    }
    os.environ.update(env)
    usccs, clients = asyncio.run(prepare(opts.clients))
    print(f"seeded {ENTERPRISES:,} enterprises and {len(clients)} API clients in {DB}", flush=True)
    server = start(
        [sys.executable, "-m", "granian", "--interface", "asgi", "--workers", str(opts.workers), "--no-ws",
         "--log-level", "warning", "--port", str(PORT), "--factory", "pilotzone.app:create_app"],
        env,
        f"http://127.0.0.1:{PORT}/healthz",
    )
    try:
        result = asyncio.run(drive(clients, usccs, opts.duration, opts.warm_up))
    finally:
        stop(server)
    latencies = sorted(result["latencies"])
    if result["errors"]:
        print(f"{len(result['errors'])} refused batches, e.g. {result['errors'][0]}")
    if not latencies:
        print("no batch was answered with 200")
        return 1
    rate = result["rows"] / result["seconds"]
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"\n{len(latencies)} batches of {ROWS:,} rows by {len(clients)} clients in {result['seconds']:.1f} s "
          f"(granian workers: {opts.workers})")
    print(f"rows/s sustained: {rate:,.0f}   per batch: p50 {p50:.0f} ms, p99 {p99:.0f} ms, max {latencies[-1]:.0f} ms")
    print(f"ratio rows/s / {BASELINE:,}: {rate / BASELINE:.2f} (target >= 1.00)   p99 target <= {P99_TARGET_MS} ms")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0 if rate >= BASELINE and p99 <= P99_TARGET_MS and not result["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
