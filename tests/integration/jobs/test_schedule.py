"""The scheduler starts each periodic run once per period and tenant, through the job outbox."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import asyncpg

from pilotzone.overview.actors import previous_month
from pilotzone.schedule import PERIODIC, tick

# the kinds started every period (a kind with ``wanted`` starts only when work is owed: notify's)
KINDS = {p.kind for p in PERIODIC if p.wanted is None}


async def _runs(owner: asyncpg.Connection, since: int) -> list[asyncpg.Record]:
    return await owner.fetch(
        "SELECT j.id, t.slug, j.kind, j.args, j.status FROM job_run j JOIN tenant t ON t.id = j.tenant_id "
        "WHERE j.id > $1 AND j.kind = ANY($2::text[]) ORDER BY j.id",
        since, sorted(KINDS),
    )


async def test_each_periodic_run_starts_once_per_period(owner: asyncpg.Connection, tenants: dict) -> None:
    start = await owner.fetchval("SELECT COALESCE(max(id), 0) FROM job_run")
    # a clean slate: what earlier tests left counts as 'last run' too, so end it in the past
    await owner.execute(
        "UPDATE job_run SET created_at = now() - interval '400 days', args = args - 'month' "
        "WHERE kind = ANY($1::text[])", sorted(KINDS),
    )
    now = datetime.now(UTC)
    try:
        first = [t for t in await tick(now) if t[1] in KINDS]
        runs = await _runs(owner, start)
        assert {(r["slug"], r["kind"]) for r in runs} == {(s, k) for s in tenants for k in KINDS}
        assert sorted(first) == sorted((r["slug"], r["kind"], r["id"]) for r in runs)
        reports = [r for r in runs if r["kind"] == "overview_monthly_report"]
        assert all(f'"month": "{previous_month(now)}"' in r["args"] for r in reports)

        assert await tick(now + timedelta(minutes=5)) == []  # nothing is due again yet
        # two hours later only the hourly runs are due (a refresh still queued is not doubled)
        await owner.execute("UPDATE job_run SET status = 'done' WHERE id > $1", start)
        later = await tick(now + timedelta(hours=2))
        assert Counter(kind for _, kind, _ in later) == {
            "overview_refresh": len(tenants),
            "certificate_issue": len(tenants),
        }
        # a day later the sweep again; next month the new month's report
        next_month = (now.replace(day=1) + timedelta(days=32)).replace(day=2)
        await owner.execute("UPDATE job_run SET status = 'done' WHERE id > $1", start)
        kinds = Counter(kind for _, kind, _ in await tick(next_month))
        assert kinds == {k: len(tenants) for k in KINDS}
        newest = await owner.fetch(
            "SELECT args->>'month' AS month FROM job_run WHERE id > $1 AND kind = 'overview_monthly_report' "
            "ORDER BY id DESC LIMIT $2", start, len(tenants),
        )
        assert {r["month"] for r in newest} == {previous_month(next_month)} != {previous_month(now)}
    finally:  # no worker should pick these up later in the session
        await owner.execute("UPDATE job_run SET status = 'done' WHERE id > $1 AND kind = ANY($2::text[])",
                            start, sorted(KINDS))


def test_previous_month() -> None:
    assert previous_month(datetime(2026, 1, 15, tzinfo=UTC)) == "2025-12"
    assert previous_month(datetime(2026, 3, 1, 0, 30, tzinfo=UTC)) == "2026-02"
