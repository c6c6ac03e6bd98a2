"""Official data import: 50 tenants' files of 20,000 rows (1,000,000 rows) against a raw COPY.

    uv run python bench/trade_import.py [--rows 20000] [--tenants 50]

Makes a fresh database on the machine's PostgreSQL (or BENCH_PG_ADMIN_URL), adds bench tenants up to
50 and 400 enterprises per tenant (COPY, in bulk), writes one CSV per tenant (every fifth one in
GB18030 with Chinese headers, 出口/进口 and Chinese country names, as Chinese Excel saves them), then:

(a) baseline: ``COPY`` of each file's bytes into a plain staging table of text columns (PostgreSQL's
    CSV parser, nothing checked);
(b) the import as ``pilotzone trade import`` runs it (:func:`pilotzone.trade.import_run.import_for_tenant`
    minus process start): in a child process, each file in its own tenant transaction, as the
    application role (RLS), checked and merged into ``trade_figure``.

Prints both times, the ratio baseline / import (target >= 0.5), the import's total (target <= 60 s)
and the importer's peak RSS (VmHWM, target < 200 MB); then re-imports every file (all rows
unchanged) and prints that time too. Last, (c) the floor of any import into ``trade_figure``: the same
typed rows inserted into the table alone, with and without its foreign keys, and baseline / floor.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import common  # noqa: E402

DB = "pilotzone_bench_trade_import"
ENTERPRISES = 400
COMBOS = (("9610", "export"), ("9610", "import"), ("9710", "export"), ("9810", "export"), ("1210", "export"))
COUNTRIES = (("US", "美国"), ("DE", "德国"), ("JP", "日本"), ("GB", "英国"), ("AU", "澳大利亚"))
HEADERS_EN = "uscc,period,mode,direction,country,value_cny,orders,parcels\r\n"
HEADERS_ZH = "统一社会信用代码,期间,监管方式,进出口,国家地区,金额,订单数,包裹数\r\n"
ZH_DIRECTION = {"export": "出口", "import": "进口"}


def _env() -> dict[str, str]:
    data = tempfile.mkdtemp(prefix="pilotzone-bench-trade-")
    return os.environ | {
        "PILOTZONE_ENV": "test",
        "PILOTZONE_DATA_DIR": data,
        "DATABASE_URL": common.db_url(DB),
        "APP_DB_PASSWORD": os.environ.get("APP_DB_PASSWORD", "pilotzone-test-app"),
        "TENANTS_DIR": str(common.ROOT / "tenants"),
        "S3_ENDPOINT": "http://127.0.0.1:9",
        "S3_ACCESS_KEY": "bench",
        "S3_SECRET_KEY": "bench-secret",
    }


def _months(n: int) -> list[str]:
    today = date.today()
    year, month = today.year, today.month
    out = []
    for _ in range(n):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        out.append(f"{year:04d}-{month:02d}")
    return out


async def prepare(tenants: int, rows: int, folder: Path) -> tuple[list[tuple[str, Path, str]], int]:
    """The database, tenants, enterprises and files: ``[(slug, file, encoding)]`` and the row count."""
    from pilotzone.registry.uscc import with_check

    conn = await common.fresh_database(DB)
    slugs = [r["slug"] for r in await conn.fetch("SELECT slug FROM tenant ORDER BY id")]
    for i in range(len(slugs), tenants):
        slug = f"bench{i:02d}"
        await conn.execute(
            "INSERT INTO tenant (slug, sort_order, name_zh, name_en, zone_zh, zone_en, bureau_zh, bureau_en, "
            "districts, sources, source_file, active, updated_at) VALUES ($1, 999, $1, $1, $1, $1, $1, $1, "
            "'[]', '[]', '', true, now())",
            slug,
        )
        slugs.append(slug)
    slugs = slugs[:tenants]
    ids = {r["slug"]: r["id"] for r in await conn.fetch("SELECT slug, id FROM tenant")}
    months = _months(12)
    files: list[tuple[str, Path, str]] = []
    written = 0
    for t, slug in enumerate(slugs):
        codes = [with_check(f"9144{t:04d}MA{e:07d}") for e in range(ENTERPRISES)]
        await conn.copy_records_to_table(
            "enterprise",
            records=[(ids[slug], f"基准企业{t:02d}-{e:04d}", code, "active") for e, code in enumerate(codes)],
            columns=("tenant_id", "name", "uscc", "status"),
        )
        chinese = t % 5 == 4
        encoding = "gb18030" if chinese else "utf-8"
        path = folder / f"{slug}.csv"
        with path.open("w", encoding=encoding, newline="") as fh:
            fh.write(HEADERS_ZH if chinese else HEADERS_EN)
            for r in range(rows):
                rest = r // ENTERPRISES
                mode, direction = COMBOS[(rest // 12) % len(COMBOS)]
                code, name = COUNTRIES[(rest // 60) % len(COUNTRIES)]
                fh.write(
                    f"{codes[r % ENTERPRISES]},{months[rest % 12]},{mode},"
                    f"{ZH_DIRECTION[direction] if chinese else direction},{name if chinese else code},"
                    f"{(r * 7919) % 10_000_000}.{r % 100:02d},{r % 977},{r % 1301}\r\n"
                )
                written += 1
        files.append((slug, path, encoding))
    await conn.execute("ANALYZE enterprise")
    await conn.close()
    return files, written


async def baseline(files: list[tuple[str, Path, str]]) -> float:
    """(a): the bytes of every file into a plain table by COPY (one connection, as the importer)."""
    conn = await asyncpg.connect(common.db_url(DB))
    await conn.execute(
        "CREATE TABLE bench_staging (uscc text, period text, mode text, direction text, country text, "
        "value_cny text, orders text, parcels text)"
    )
    started = time.perf_counter()
    for _, path, encoding in files:
        async with conn.transaction():
            await conn.copy_to_table(
                "bench_staging", source=path, format="csv", header=True,
                encoding="GB18030" if encoding == "gb18030" else "UTF8",
            )
    elapsed = time.perf_counter() - started
    await conn.execute("DROP TABLE bench_staging")
    await conn.close()
    return elapsed


_FLOOR = (
    "INSERT INTO trade_figure (tenant_id, enterprise, period, mode, direction, country, source, value_cny, "
    "orders, parcels, batch, updated_at) SELECT tenant_id, enterprise, period, mode, direction, country, 'api', "
    "value_cny, orders, parcels, batch, now() FROM trade_figure WHERE tenant_id = $1 AND source = 'official' "
    "ORDER BY enterprise, period, mode, direction, country"
)


async def floor(files: list[tuple[str, Path, str]], keys: bool) -> float:
    """(c): after (b), the same typed rows inserted again into ``trade_figure`` itself (as source ``api``,
    so no key collides): the table's indexes, and with ``keys`` its three foreign keys, and nothing
    else — no file read, no check, no merge. Each tenant in a transaction that is rolled back. Where
    this alone is slower than half the raw COPY, no import that lands its rows in the table can reach
    the issue's ratio."""
    conn = await asyncpg.connect(common.db_url(DB))
    tenants = {r["slug"]: r["id"] for r in await conn.fetch("SELECT slug, id FROM tenant")}
    elapsed = 0.0
    for slug, _, _ in files:
        transaction = conn.transaction()
        await transaction.start()
        if not keys:
            await conn.execute(
                "ALTER TABLE trade_figure DROP CONSTRAINT trade_figure_tenant_id_fkey, "
                "DROP CONSTRAINT trade_figure_enterprise_fkey, DROP CONSTRAINT trade_figure_batch_fkey"
            )
        started = time.perf_counter()
        await conn.execute(_FLOOR, tenants[slug])
        elapsed += time.perf_counter() - started
        await transaction.rollback()
    await conn.close()
    return elapsed


def importer(listing: Path) -> None:
    """(b), in the child process: each file in its own tenant transaction; prints JSON."""

    files = json.loads(listing.read_text())

    async def run() -> dict:
        from pilotzone import db
        from pilotzone.tenancy.context import TenantContext, tenant_transaction
        from pilotzone.trade.imports import import_file

        tenants = {r["slug"]: r["id"] for r in await db.fetch_global("SELECT slug, id FROM tenant")}
        totals = {"rows": 0, "inserted": 0, "replaced": 0, "unchanged": 0}
        started = time.perf_counter()
        for slug, path in files:
            async with tenant_transaction(TenantContext(tenants[slug], slug)):
                outcome = await import_file(Path(path), Path(path).name)
            if outcome.counts is None:
                raise SystemExit(f"{path} refused: {outcome.problems[:5]}")
            for key in totals:
                totals[key] += getattr(outcome.counts, key)
        elapsed = time.perf_counter() - started
        await db.DB.close_connection_pool()
        return {"seconds": elapsed, **totals}

    result = asyncio.run(run())
    status = Path("/proc/self/status").read_text()
    result["vmhwm_kb"] = int(next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1])
    print(json.dumps(result))


def run_importer(files: list[tuple[str, Path, str]], env: dict[str, str], folder: Path) -> dict:
    listing = folder / "files.json"
    listing.write_text(json.dumps([(slug, str(path)) for slug, path, _ in files]))
    out = subprocess.run(  # noqa: S603
        [sys.executable, str(Path(__file__).resolve()), "--importer", str(listing)],
        env=env, cwd=common.ROOT, check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--tenants", type=int, default=50)
    parser.add_argument("--importer", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.importer is not None:
        importer(args.importer)
        return
    env = _env()
    os.environ.update(env)
    folder = Path(env["PILOTZONE_DATA_DIR"])
    print(f"preparing {args.tenants} tenants × {args.rows:,} rows …", flush=True)
    files, rows = asyncio.run(prepare(args.tenants, args.rows, folder))
    size = sum(path.stat().st_size for _, path, _ in files)
    print(f"  {len(files)} files, {rows:,} rows, {size / 1e6:.1f} MB", flush=True)
    base = asyncio.run(baseline(files))
    print(f"(a) raw COPY into a staging table: {base:.2f} s ({rows / base:,.0f} rows/s)", flush=True)
    first = run_importer(files, env, folder)
    print(
        f"(b) import end to end: {first['seconds']:.2f} s ({rows / first['seconds']:,.0f} rows/s); "
        f"inserted {first['inserted']:,}, replaced {first['replaced']:,}, unchanged {first['unchanged']:,}",
        flush=True,
    )
    again = run_importer(files, env, folder)
    print(f"    the same files again: {again['seconds']:.2f} s; unchanged {again['unchanged']:,}", flush=True)
    with_keys = asyncio.run(floor(files, keys=True))
    without = asyncio.run(floor(files, keys=False))
    print(
        f"(c) floor, the same typed rows inserted into trade_figure alone (nothing read, checked or merged): "
        f"{with_keys:.2f} s with its 3 foreign keys (baseline / floor {base / with_keys:.2f}), "
        f"{without:.2f} s without them ({base / without:.2f})",
        flush=True,
    )
    ratio = base / first["seconds"]
    peak = max(first["vmhwm_kb"], again["vmhwm_kb"]) / 1024
    print(f"ratio baseline / import: {ratio:.2f} (target >= 0.5) {'OK' if ratio >= 0.5 else 'MISSED'}")
    print(f"import total: {first['seconds']:.1f} s (target <= 60 s) {'OK' if first['seconds'] <= 60 else 'MISSED'}")
    print(f"importer peak RSS (VmHWM): {peak:.0f} MB (target < 200 MB) {'OK' if peak < 200 else 'MISSED'}")
    if os.environ.get("BENCH_KEEP") != "1":
        asyncio.run(common.drop_database(DB))


if __name__ == "__main__":
    main()
