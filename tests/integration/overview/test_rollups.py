# ruff: noqa: S608 - the recount queries are fixed SQL text; every value is a parameter
"""Rollups versus a direct recount: a scripted series of state changes in two cities (enterprises
registered, warehouses added and certified, applications created, submitted, approved, rejected,
certificates issued and revoked, talent recognitions), the refresh job run by the real worker (started
through the bureau admin's "refresh now" and the CLI service), then every dashboard figure of several
periods equals a GROUP BY over the raw tables written here independently of the rollup queries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import asyncpg
from tests import factories
from tests.integration.overview.helpers import refresh_all
from tests.integration.overview.scripted import at
from tests.support import demo

from pilotzone.overview import dashboard
from pilotzone.overview.rollups import FUNDING_METRICS, metrics
from pilotzone.tenancy.context import TenantContext, tenant_transaction

TZ = "Asia/Shanghai"


def _month(col: str) -> str:
    return f"date_trunc('month', {col} AT TIME ZONE '{TZ}')::date"


async def recount(owner: asyncpg.Connection, p: dashboard.Period) -> dict[int, dict[str, object]]:
    """The dashboard figures straight from the raw tables (written apart from the rollup queries)."""
    out: dict[int, dict[str, object]] = {}

    def put(rows, key):  # type: ignore[no-untyped-def]
        for r in rows:
            out.setdefault(r["tenant_id"], {})[key] = r["n"]

    put(
        await owner.fetch(
            f"SELECT tenant_id, count(*) n FROM park WHERE status = 'active' AND {_month('created_at')} <= $1 GROUP BY 1",
            p.end,
        ),
        "parks",
    )
    put(
        await owner.fetch(
            f"SELECT tenant_id, count(*) n FROM enterprise WHERE status = 'active' AND {_month('created_at')} <= $1 GROUP BY 1",
            p.end,
        ),
        "enterprises",
    )
    certified = (
        "SELECT a.tenant_id, a.subject_id, min(c.issued_at) AS first FROM certificate c JOIN submission a ON a.id = c.application "
        "WHERE a.subject_kind = $2 AND c.status = 'valid' GROUP BY 1, 2"
    )
    put(
        await owner.fetch(
            f"SELECT tenant_id, count(*) n FROM ({certified}) x WHERE {_month('first')} <= $1 GROUP BY 1",
            p.end,
            "park",
        ),
        "certified_parks",
    )
    rows = await owner.fetch(
        f"SELECT x.tenant_id, w.country, count(*) n FROM ({certified}) x JOIN overseas_warehouse w ON w.id = x.subject_id "
        f"WHERE {_month('x.first')} <= $1 GROUP BY 1, 2",
        p.end,
        "overseas_warehouse",
    )
    for r in rows:
        out.setdefault(r["tenant_id"], {}).setdefault("countries", {})[r["country"]] = r["n"]
    put(
        await owner.fetch(
            "SELECT c.tenant_id, count(*) n FROM certificate c JOIN submission a ON a.id = c.application "
            f"WHERE a.subject_kind = 'talent' AND c.status <> 'revoked' AND {_month('c.issued_at')} BETWEEN $1 AND $2 GROUP BY 1",
            p.start,
            p.end,
        ),
        "talent_recognitions",
    )
    rows = await owner.fetch(
        f"SELECT tenant_id, status, count(*) n FROM submission WHERE kind = 'certification' AND submitted_at IS NOT NULL "
        f"AND {_month('submitted_at')} BETWEEN $1 AND $2 GROUP BY 1, 2",
        p.start,
        p.end,
    )
    for r in rows:
        out.setdefault(r["tenant_id"], {}).setdefault("states", {})[r["status"]] = r["n"]
    rows = await owner.fetch(
        "WITH d AS (SELECT a.tenant_id, floor(extract(epoch FROM min(ch.at) - a.submitted_at) / 86400) AS days, "
        "min(ch.at) AS at FROM submission a JOIN submission_change ch ON ch.submission = a.id "
        "AND ch.field_key = 'status' AND ch.new_value IN ('notice', 'approved', 'rejected') "
        "WHERE a.kind = 'certification' AND a.submitted_at IS NOT NULL GROUP BY a.tenant_id, a.id, a.submitted_at) "
        "SELECT tenant_id, count(*) n, percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS median FROM d "
        f"WHERE {_month('at')} BETWEEN $1 AND $2 GROUP BY 1",
        p.start,
        p.end,
    )
    for r in rows:
        out.setdefault(r["tenant_id"], {}).update(
            decided=r["n"], median=Decimal(str(r["median"])).quantize(Decimal("0.1"))
        )
    rows = await owner.fetch(
        "SELECT r.tenant_id, p.key, sum(r.budget) n FROM round r JOIN program p ON p.id = r.program "
        "WHERE date_trunc('month', r.opens_at)::date BETWEEN $1 AND $2 GROUP BY 1, 2",
        p.start,
        p.end,
    )
    for r in rows:
        out.setdefault(r["tenant_id"], {}).setdefault("budget", {})[r["key"]] = r["n"]
    rows = await owner.fetch(
        "SELECT l.tenant_id, p.key, sum(l.awarded) n FROM ledger_entry l JOIN program p ON p.id = l.program "
        f"WHERE {_month('l.created_at')} BETWEEN $1 AND $2 GROUP BY 1, 2",
        p.start,
        p.end,
    )
    for r in rows:
        out.setdefault(r["tenant_id"], {}).setdefault("awarded", {})[r["key"]] = r["n"]
    rows = await owner.fetch(
        "SELECT y.tenant_id, p.key, sum(y.amount) n FROM payment y JOIN ledger_entry l ON l.id = y.entry "
        "JOIN program p ON p.id = l.program WHERE date_trunc('month', y.paid_on)::date BETWEEN $1 AND $2 GROUP BY 1, 2",
        p.start,
        p.end,
    )
    for r in rows:
        out.setdefault(r["tenant_id"], {}).setdefault("paid", {})[r["key"]] = r["n"]
    rows = await owner.fetch(
        "SELECT f.tenant_id, count(*) n, count(*) FILTER (WHERE EXISTS (SELECT 1 FROM calculation_result r "
        "JOIN calculation c ON c.id = r.calculation WHERE r.application = f.id AND c.status IN ('calculated', 'approved') "
        "AND NOT r.eligible AND EXISTS (SELECT 1 FROM jsonb_array_elements(r.reasons) x "
        "WHERE x ->> 'rule' = 'not_on_negative_list' AND x ->> 'ok' = 'false'))) AS credit "
        f"FROM submission f WHERE f.kind = 'funding' AND f.submitted_at IS NOT NULL AND {_month('f.submitted_at')} BETWEEN $1 AND $2 "
        "GROUP BY 1",
        p.start,
        p.end,
    )
    for r in rows:
        out.setdefault(r["tenant_id"], {}).update(funding_applications=r["n"], credit_refusals=r["credit"])
    return out


def _from_rollups(figs: dict, tenant_id: int) -> dict[str, object]:
    fig = figs.get(tenant_id, {})
    days = {int(d): int(v) for d, v in fig.get("decision_days", {}).items()}
    got: dict[str, object] = {
        k: int(sum(fig.get(k, {}).values()))
        for k in ("parks", "enterprises", "certified_parks", "talent_recognitions")
    }
    got["countries"] = {k: int(v) for k, v in fig.get("certified_warehouses", {}).items()}
    got["states"] = {k: int(v) for k, v in fig.get("applications", {}).items()}
    got["decided"], got["median"] = sum(days.values()), dashboard.median(days)
    for k in ("budget", "awarded", "paid"):
        got[k] = dict(fig.get(k, {}))
    for k in ("funding_applications", "credit_refusals"):
        got[k] = int(sum(fig.get(k, {}).values()))
    return got


def _expected(counted: dict, tenant_id: int) -> dict[str, object]:
    c = counted.get(tenant_id, {})
    return {
        "parks": c.get("parks", 0),
        "enterprises": c.get("enterprises", 0),
        "certified_parks": c.get("certified_parks", 0),
        "talent_recognitions": c.get("talent_recognitions", 0),
        "countries": c.get("countries", {}),
        "states": c.get("states", {}),
        "decided": c.get("decided", 0),
        "median": c.get("median"),
        "budget": c.get("budget", {}),
        "awarded": c.get("awarded", {}),
        "paid": c.get("paid", {}),
        "funding_applications": c.get("funding_applications", 0),
        "credit_refusals": c.get("credit_refusals", 0),
    }


PERIODS = [("2026-01", "2026-12"), ("2026-02", "2026-04"), ("2026-06", "2026-06"), ("2025-01", "2025-12")]


async def _compare(owner: asyncpg.Connection, tenants: dict) -> None:
    for start, end in PERIODS:
        period = dashboard.period_of(start, end)
        async with tenant_transaction(TenantContext(None, None, "province", read_only=True)):
            figs = await dashboard.figures(period)
        counted = await recount(owner, period)
        for slug, tid in tenants.items():
            assert _from_rollups(figs, tid) == _expected(counted, tid), (slug, start, end)


async def test_rollups_equal_a_direct_recount(as_user, owner, tenants, scripted, worker) -> None:  # type: ignore[no-untyped-def]
    await refresh_all(as_user, owner, tenants)
    await _compare(owner, tenants)
    gz = tenants["guangzhou"]
    counted = await recount(owner, dashboard.period_of("2026-01", "2026-12"))
    assert counted[gz]["states"]["certified"] >= 3 and counted[gz]["decided"] >= 5  # the script did run
    assert counted[gz]["countries"]["DE"] >= 1
    assert counted[gz]["credit_refusals"] >= 2 and counted[gz]["paid"]  # funding was scripted too

    # more changes: a rejection, a revocation, a new enterprise; stale figures disappear on refresh
    wh = await owner.fetchval(
        "SELECT id FROM submission WHERE kind = 'certification' AND subject_label = $1 AND tenant_id = $2",
        f"{scripted['marker']}-wh-2",
        gz,
    )
    await owner.execute("UPDATE submission SET status = 'rejected' WHERE id = $1", wh)
    await factories.status_change("guangzhou", wh, at(2026, 6, 20), "in_review", "rejected")
    await owner.execute(
        "UPDATE certificate SET status = 'revoked' WHERE application = "
        "(SELECT id FROM submission WHERE kind = 'certification' AND subject_label = $1 AND tenant_id = $2)",
        f"{scripted['marker']}-wh-0",
        gz,
    )
    await owner.execute(
        "UPDATE enterprise SET status = 'active' WHERE name = $1", f"{scripted['marker']}-guangzhou-3"
    )
    before = await owner.fetchval("SELECT refreshed_at FROM overview_refresh WHERE tenant_id = $1", gz)
    await refresh_all(as_user, owner, tenants)
    assert await owner.fetchval("SELECT refreshed_at FROM overview_refresh WHERE tenant_id = $1", gz) > before
    await _compare(owner, tenants)
    stale = await owner.fetchval(
        "SELECT count(*) FROM overview_month WHERE tenant_id = $1 AND refreshed_at < "
        "(SELECT refreshed_at FROM overview_refresh WHERE tenant_id = $1)",
        gz,
    )
    assert stale == 0
    assert {m.name for m in FUNDING_METRICS} <= {m.name for m in metrics()}  # the funding figures are counted


def test_median_of_a_histogram() -> None:
    assert dashboard.median({}) is None
    assert dashboard.median({3: 1}) == Decimal("3.0")
    assert dashboard.median({1: 1, 4: 1}) == Decimal("2.5")
    assert dashboard.median({1: 2, 9: 1}) == Decimal("1.0")
    assert dashboard.period_of("2026-05", "2026-02").start == date(2026, 2, 1)


async def test_bureau_admin_refresh_button_starts_a_run(as_user, owner, tenants) -> None:  # type: ignore[no-untyped-def]
    async with as_user(demo("admin", "foshan")) as admin:
        done = await admin.post("/z/foshan/dashboard/refresh", follow_redirects=False)
        assert done.status_code == 303
    assert (
        await owner.fetchval(
            "SELECT count(*) FROM job_run WHERE tenant_id = $1 AND kind = 'overview_refresh'",
            tenants["foshan"],
        )
        >= 1
    )
    async with as_user(demo("reviewer", "foshan")) as reviewer:
        refused = await reviewer.post("/z/foshan/dashboard/refresh", follow_redirects=False)
        assert refused.status_code == 403
