"""Round calculation at scale (issue 5): 100,000 verified funding applications across 10 tenants.

    uv run python bench/funding_calc.py [--apps 100000] [--processes 2] [--threads 4] [--keep]

Makes a throwaway database on the machine's PostgreSQL (or BENCH_PG_ADMIN_URL), migrates it as the
owner and syncs 10 tenants: the three of ``tenants/`` and seven copies of guangzhou and shantou under
new slugs (written to a temporary tenants directory, synced by the real loader). As the owner it bulk
generates enterprises (a few pending), certificates (overseas warehouse, talent), negative-list entries
(some in force, some expired) and the applications with declared and, for most, verified inputs for
each program's formula (COPY). Then:

(a) the real path: every round is closed and its calculation started through the services the round
    page calls (``close_round``, ``start_calculation``), one tenant transaction per tenant, with
    ``pilotzone worker -p 2`` on Redis (a unique DRAMATIQ_NAMESPACE) already running; timed from the
    first start to the last calculation committed (polling ``calculation``), sampling the RSS of each
    worker process;
(b) the baseline, in this process: asyncpg fetch of the same rows and facts, the same compiled programs
    and evaluation, COPY of the results (and the same allocation) into a scratch table.

Prints both times, apps/s, the ratio real / baseline and pass/fail against <= 20 s and >= 0.5, checks
that both give the same eligibility, claim and award for every application, and prints the RSS table.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.funding_seed import seed, write_tenants  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DB = f"pilotzone_bench_funding_{os.getpid()}"
TARGET_SECONDS = 20.0
TARGET_RATIO = 0.5


def db_url() -> str:
    return ADMIN.rpartition("/")[0] + "/" + DB


def _environment(tenants_dir: Path, data_dir: Path) -> dict[str, str]:
    return {
        "PILOTZONE_ENV": "test",
        "PILOTZONE_DATA_DIR": str(data_dir),
        "DATABASE_URL": db_url(),
        "APP_DB_PASSWORD": "pilotzone-bench-app",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "DRAMATIQ_NAMESPACE": f"pilotzone-bench-{uuid.uuid4().hex[:8]}",
        "TENANTS_DIR": str(tenants_dir),
        "LOG_LEVEL": "WARNING",
    }


# -- (a) the real path -----------------------------------------------------------------------------


async def _rounds_with_applications(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT r.id, r.tenant_id, t.slug, r.budget, r.rule, r.partial FROM round r JOIN tenant t ON t.id = r.tenant_id "
        "WHERE EXISTS (SELECT 1 FROM funding_application a JOIN submission s ON s.id = a.id "
        "WHERE a.round = r.id AND s.status = 'verified') "
        "ORDER BY r.tenant_id, r.id"
    )


def _principal(user_id: int):  # type: ignore[no-untyped-def]
    from pilotzone.auth.principal import Principal
    from pilotzone.auth.sessions import SessionInfo

    session = SessionInfo(
        id=0, user_id=user_id, email="bench-admin@example.cn", display_name="bench admin", province_role=None,
        membership_id=None, province=False, csrf_token="",
    )
    return Principal(session=session)


async def _per_tenant(rounds: list[asyncpg.Record], user_id: int, action) -> list:  # type: ignore[no-untyped-def]
    """``action(principal, round_id)`` for every round, one tenant transaction per tenant (as a request)."""
    from pilotzone.auth.principal import set_principal
    from pilotzone.tenancy.context import TenantContext, tenant_transaction

    principal, out = _principal(user_id), []
    set_principal(principal)
    by_tenant: dict[tuple[int, str], list[int]] = {}
    for r in rounds:
        by_tenant.setdefault((r["tenant_id"], r["slug"]), []).append(r["id"])
    for (tid, slug), ids in by_tenant.items():
        async with tenant_transaction(TenantContext(tid, slug)):
            for rid in ids:
                out.append(await action(principal, rid))
    return out


async def close_all(rounds: list[asyncpg.Record], user_id: int) -> None:
    from pilotzone.funding.calculation import close_round
    from pilotzone.funding.tables import Round

    async def close(principal, rid: int) -> None:  # type: ignore[no-untyped-def]
        rnd = await Round.objects().where(Round.id == rid).first()
        await close_round(principal, rnd)

    await _per_tenant(rounds, user_id, close)


async def start_all(rounds: list[asyncpg.Record], user_id: int) -> list[int]:
    from pilotzone.funding.calculation import start_calculation

    async def start(principal, rid: int) -> int:  # type: ignore[no-untyped-def]
        return (await start_calculation(principal, rid)).id

    return await _per_tenant(rounds, user_id, start)


class Sampler:
    """RSS of each worker process (the children of the dramatiq master) over time."""

    def __init__(self, master_pid: int) -> None:
        import psutil

        self.master = psutil.Process(master_pid)
        self.samples: dict[int, list[tuple[float, int]]] = {}

    def sample(self, at: float) -> None:
        import psutil

        for child in self.master.children(recursive=True):
            try:
                self.samples.setdefault(child.pid, []).append((at, child.memory_info().rss))
            except psutil.NoSuchProcess:
                pass

    def report(self) -> list[str]:
        out = []
        for pid, samples in sorted(self.samples.items()):
            rss = [s[1] / 2**20 for s in samples]
            mids = [rss[len(rss) * q // 4] for q in (1, 2, 3)]
            out.append(
                f"  worker pid {pid}: start {rss[0]:.0f} MB, 25/50/75 % {mids[0]:.0f}/{mids[1]:.0f}/{mids[2]:.0f} MB, "
                f"peak {max(rss):.0f} MB, end {rss[-1]:.0f} MB ({len(rss)} samples)"
            )
        return out


def start_worker(processes: int, threads: int, log: Path) -> subprocess.Popen:
    worker = subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "pilotzone.cli", "worker", "-p", str(processes), "-t", str(threads)],
        env=os.environ.copy(), stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while log.read_text(errors="replace").count("ready for action") < processes:
        if worker.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the worker did not start:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.1)
    return worker


async def real_path(conn: asyncpg.Connection, rounds: list, user_id: int, sampler: Sampler) -> tuple[float, list[int]]:
    sampler.sample(0.0)
    t0 = time.perf_counter()
    calcs = await start_all(rounds, user_id)
    last = 0.0
    while True:
        now = time.perf_counter() - t0
        if now - last >= 0.1:
            sampler.sample(now)
            last = now
        row = await conn.fetchrow(
            "SELECT count(*) FILTER (WHERE c.status = 'calculated') AS done, "
            "count(*) FILTER (WHERE j.status = 'failed') AS failed, max(j.error) AS error "
            "FROM calculation c JOIN job_run j ON j.id = c.job_run WHERE c.id = ANY($1::int[])",
            calcs,
        )
        if row["failed"]:
            raise SystemExit(f"a calculation failed: {row['error']}")
        if row["done"] == len(calcs):
            break
        if now > 600:
            raise SystemExit("the calculation did not finish in 10 minutes")
        await asyncio.sleep(0.02)
    elapsed = time.perf_counter() - t0
    sampler.sample(elapsed)
    return elapsed, calcs


# -- (b) the in-process baseline -------------------------------------------------------------------

_BASE_ROWS = """
SELECT a.id, a.program_version, s.values || a.verified AS values, s.subject_kind, s.subject_id,
       COALESCE(a.score, 0) AS score, s.submitted_at
  FROM funding_application a JOIN submission s ON s.id = a.id AND s.tenant_id = a.tenant_id
 WHERE a.round = $1 AND s.status = 'verified' ORDER BY a.id
"""
_BASE_NEGATIVE = """
SELECT DISTINCT ON (enterprise) enterprise, reason, source FROM negative_list_entry
 WHERE tenant_id = $3 AND enterprise = ANY($1::int[]) AND valid_from <= $2 AND (valid_until IS NULL OR valid_until >= $2)
   AND (ended_on IS NULL OR ended_on > $2)
 ORDER BY enterprise, valid_from DESC, id DESC
"""


async def baseline(conn: asyncpg.Connection, rounds: list) -> float:
    """The same work in this process: fetch, the same compiled programs and evaluation, COPY."""
    from datetime import UTC, datetime

    from pilotzone.funding import facts as subject_facts
    from pilotzone.funding.allocation import Claim, allocate
    from pilotzone.funding.calculation import _dumps, _evaluate
    from pilotzone.funding.program_spec import from_stored
    from pilotzone.funding.programs import SubjectFacts, compiled

    await conn.execute(
        "CREATE TABLE bench_result (application int PRIMARY KEY, eligible bool NOT NULL, claim numeric(14,2) NOT NULL, "
        "award numeric(14,2) NOT NULL, reasons jsonb NOT NULL, explanation jsonb NOT NULL)"
    )
    t0 = time.perf_counter()
    as_of = datetime.now(UTC)
    for rnd in rounds:
        rows = await conn.fetch(_BASE_ROWS, rnd["id"])
        versions = {}
        for v in await conn.fetch(
            "SELECT id, spec FROM program_version WHERE id = ANY($1::int[])", list({r["program_version"] for r in rows})
        ):
            versions[v["id"]] = (compiled({"id": v["id"], "spec": v["spec"]}), from_stored(v["spec"]))
        # the same fact queries as funding.facts (ids are global, so they need no RLS), run as the owner
        wanted = sorted({(r["subject_kind"], r["subject_id"]) for r in rows})
        kinds, ids = [k for k, _ in wanted], [i for _, i in wanted]
        found = {(r["kind"], r["id"]): r for r in await conn.fetch(subject_facts._SUBJECTS, kinds, ids) if r["status"]}
        certs = {
            (r["kind"], r["id"]): frozenset(r["keys"])
            for r in await conn.fetch(subject_facts._CERTIFICATIONS, kinds, ids, as_of)
        }
        ents = list({r["enterprise"] for r in found.values() if r["enterprise"] is not None})
        negative = {r["enterprise"]: r for r in await conn.fetch(_BASE_NEGATIVE, ents, as_of.date(), rnd["tenant_id"])}
        facts = {}
        for key, r in found.items():
            entry = negative.get(r["enterprise"])
            facts[key] = SubjectFacts(
                certifications=certs.get(key, frozenset()),
                negative_entry=entry["reason"] if entry else None,
                negative_source=entry["source"] if entry else "",
                registered=r["status"] == "active",
            )
        results, claims = [], []
        for row in rows:
            program, spec = versions[row["program_version"]]
            ok, claim, why, steps = _evaluate(program, spec, row, facts.get((row["subject_kind"], row["subject_id"])))
            results.append([row["id"], ok, claim, Decimal("0.00"), _dumps(why), _dumps(steps)])
            if ok and claim > 0:
                claims.append(Claim(id=row["id"], claim=claim, score=Decimal(row["score"]), submitted_at=row["submitted_at"]))
        awards = allocate(claims, Decimal(rnd["budget"]), rnd["rule"], partial=bool(rnd["partial"]))
        for r in results:
            r[3] = awards.get(r[0], Decimal("0.00"))
        await conn.copy_records_to_table("bench_result", records=[tuple(r) for r in results])
    return time.perf_counter() - t0


async def compare(conn: asyncpg.Connection, calcs: list[int]) -> asyncpg.Record:
    return await conn.fetchrow(
        "SELECT count(*) AS n, count(*) FILTER (WHERE r.application IS NULL OR b.application IS NULL) AS missing, "
        "count(*) FILTER (WHERE r.eligible IS DISTINCT FROM b.eligible OR r.claim IS DISTINCT FROM b.claim "
        "   OR r.award IS DISTINCT FROM b.award) AS different, "
        "count(*) FILTER (WHERE r.reasons IS DISTINCT FROM b.reasons OR r.explanation IS DISTINCT FROM b.explanation) "
        "   AS explained_differently, "
        "count(*) FILTER (WHERE r.eligible) AS eligible, COALESCE(sum(r.award), 0) AS awarded "
        "FROM (SELECT * FROM calculation_result WHERE calculation = ANY($1::int[])) r "
        "FULL JOIN bench_result b ON b.application = r.application",
        calcs,
    )


# -- main ------------------------------------------------------------------------------------------


async def prepare(apps: int) -> int:
    admin = await asyncpg.connect(ADMIN)
    await admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{DB}"')
    await admin.close()
    from pilotzone.provisioning import sync
    from pilotzone.tenancy.rls import migrate

    with contextlib.redirect_stdout(io.StringIO()):  # the migrations' progress lines
        await migrate()
        await sync(Path(os.environ["TENANTS_DIR"]))
    conn = await asyncpg.connect(db_url())
    try:
        await seed(conn, apps)
        return await conn.fetchval(
            "INSERT INTO pz_user (email, display_name, password_hash, is_active, created_at) "
            "VALUES ('bench-admin@example.cn', 'bench admin', '', true, now()) RETURNING id"
        )
    finally:
        await conn.close()


async def run(args: argparse.Namespace, workdir: Path) -> bool:
    t = time.perf_counter()
    user_id = await prepare(args.apps)
    conn = await asyncpg.connect(db_url())
    rounds = await _rounds_with_applications(conn)
    count = await conn.fetchval("SELECT count(*) FROM submission WHERE kind = 'funding' AND status = 'verified'")
    tenants = await conn.fetchval("SELECT count(DISTINCT tenant_id) FROM funding_application")
    print(f"seeded {count:,} verified applications in {len(rounds)} rounds of {tenants} tenants "
          f"({time.perf_counter() - t:.1f} s)", flush=True)
    await close_all(rounds, user_id)
    worker = start_worker(args.processes, args.threads, workdir / "worker.log")
    try:
        sampler = Sampler(worker.pid)
        real, calcs = await real_path(conn, rounds, user_id, sampler)
    finally:
        worker.terminate()  # the dramatiq master stops its worker processes
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
    base = await baseline(conn, rounds)
    check = await compare(conn, calcs)
    await conn.close()

    ok_time, ratio = real <= TARGET_SECONDS, (count / real) / (count / base)
    ok_ratio = ratio >= TARGET_RATIO
    same = check["missing"] == 0 and check["different"] == 0 and check["explained_differently"] == 0
    print(f"\n(a) real path  (`pilotzone worker -p {args.processes} -t {args.threads}`, Redis): {real:6.2f} s  "
          f"{count / real:8,.0f} apps/s   {'PASS' if ok_time else 'FAIL'} (<= {TARGET_SECONDS:.0f} s)")
    print(f"(b) baseline   (one process, asyncpg + COPY):            {base:6.2f} s  {count / base:8,.0f} apps/s")
    print(f"    ratio real/baseline throughput: {ratio:.2f}   {'PASS' if ok_ratio else 'FAIL'} (>= {TARGET_RATIO})")
    print(f"    same results: {'yes' if same else 'NO'} ({check['n']:,} compared: {check['missing']} missing, "
          f"{check['different']} with another eligibility/claim/award, {check['explained_differently']} explained "
          f"differently; {check['eligible']:,} eligible, {check['awarded']:,} awarded)")
    print("worker memory (RSS):")
    for line in sampler.report():
        print(line)
    return ok_time and ok_ratio and same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", type=int, default=100_000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="pilotzone-bench-funding-"))
    write_tenants(workdir / "tenants")
    os.environ.update(_environment(workdir / "tenants", workdir / "data"))
    sys.path.insert(0, str(ROOT / "src"))
    try:
        ok = asyncio.run(run(args, workdir))
    finally:
        _cleanup(args.keep, workdir)
    sys.exit(0 if ok else 1)


def _cleanup(keep: bool, workdir: Path) -> None:
    async def drop() -> None:
        admin = await asyncpg.connect(ADMIN)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        finally:
            await admin.close()

    if not keep:
        asyncio.run(drop())
    try:
        import redis

        client = redis.Redis.from_url(os.environ["REDIS_URL"])
        keys = list(client.scan_iter(f"{os.environ['DRAMATIQ_NAMESPACE']}*"))
        if keys:
            client.delete(*keys)
    except Exception as exc:  # the numbers are printed already
        print(f"could not clean redis: {exc}")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
