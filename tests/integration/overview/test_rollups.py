# ruff: noqa: S608 - the recount queries are fixed SQL text; every value is a parameter
"""Rollups versus a direct recount: a scripted series of state changes in two cities (enterprises
registered, warehouses added and certified, applications created, submitted, approved, rejected,
certificates issued and revoked, talent recognitions), the refresh job run by the real worker (started
through the bureau admin's "refresh now" and the CLI service), then every dashboard figure of several
periods equals a GROUP BY over the raw tables written here independently of the rollup queries."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg
import pytest
from tests.conftest import demo

from pilotzone.overview import dashboard
from pilotzone.overview.rollups import FUNDING_METRICS, metrics
from pilotzone.tenancy.context import TenantContext, tenant_transaction

TZ = "Asia/Shanghai"


def _at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


async def _scheme(owner: asyncpg.Connection, tenant: int, subject: str) -> asyncpg.Record:
    return await owner.fetchrow(
        "SELECT id, key, version, spec FROM scheme WHERE tenant_id = $1 AND subject = $2 ORDER BY id LIMIT 1",
        tenant,
        subject,
    )


async def _application(owner, tenant, scheme, kind, subject_id, label, status, submitted, changes):  # type: ignore[no-untyped-def]
    app_id = await owner.fetchval(
        "INSERT INTO application (tenant_id, scheme, scheme_version, spec, subject_kind, subject_id, subject_label, "
        "status, \"values\", submitted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '{}', $9) RETURNING id",
        tenant,
        scheme["id"],
        scheme["version"],
        scheme["spec"],
        kind,
        subject_id,
        label,
        status,
        submitted,
    )
    for at, old, new in changes:
        await owner.execute(
            "INSERT INTO application_change (tenant_id, application, at, field_key, old_value, new_value) "
            "VALUES ($1, $2, $3, 'status', $4, $5)",
            tenant,
            app_id,
            at,
            old,
            new,
        )
    return app_id


async def _certificate(owner, tenant, app_id, scheme_key, issued, status="valid"):  # type: ignore[no-untyped-def]
    await owner.execute(
        "INSERT INTO certificate (tenant_id, application, scheme_key, number, subject_label, issued_at, valid_from, "
        "valid_until, status) VALUES ($1, $2, $3, $4, $4, $5::timestamptz, $5::timestamptz, $5::timestamptz + interval '3 years', $6)",
        tenant,
        app_id,
        scheme_key,
        f"ov-{uuid.uuid4().hex[:10]}",
        issued,
        status,
    )


async def _funding(owner: asyncpg.Connection, t: int, enterprises: list[int], marker: str) -> list[int]:
    """Funding applications submitted, calculated (one excluded for the negative list, one for
    another rule), awards in the ledger and payments against them."""
    rnd = await owner.fetchrow(
        "SELECT r.id, r.program, p.current_version FROM round r JOIN program p ON p.id = r.program "
        "WHERE r.tenant_id = $1 ORDER BY r.id LIMIT 1",
        t,
    )
    calc = await owner.fetchval(
        "INSERT INTO calculation (tenant_id, round, version, status, started_by_email) "
        "VALUES ($1, $2, 90 + (SELECT count(*) FROM calculation WHERE round = $2), 'calculated', $3) RETURNING id",
        t,
        rnd["id"],
        marker,
    )
    ids = []
    for i, ent in enumerate(enterprises):
        submitted = _at(2026, 3 + i % 3, 10)
        app_id = await owner.fetchval(
            "INSERT INTO funding_application (tenant_id, program, program_version, round, subject_kind, subject_id, "
            "subject_label, applicant_enterprise, status, submitted_at) "
            "VALUES ($1, $2, $3, $4, 'enterprise', $5, $6, $5, 'verified', $7) RETURNING id",
            t,
            rnd["program"],
            rnd["current_version"],
            rnd["id"],
            ent,
            f"{marker}-f-{i}",
            submitted,
        )
        ids.append(app_id)
        rule = "not_on_negative_list" if i % 3 == 1 else "input"
        eligible = i % 3 == 0
        reasons = (
            [{"rule": "not_on_negative_list", "ok": True}] if eligible else [{"rule": rule, "ok": False}]
        )
        if not eligible and rule == "input":
            reasons.append({"rule": "not_on_negative_list", "ok": True})  # passed: not a credit refusal
        await owner.execute(
            "INSERT INTO calculation_result (tenant_id, calculation, application, eligible, claim, award, reasons) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7)",
            t,
            calc,
            app_id,
            eligible,
            Decimal("1000.50") if eligible else Decimal(0),
            Decimal("800.25") if eligible else None,
            json.dumps(reasons),
        )
        if eligible:
            entry = await owner.fetchval(
                "INSERT INTO ledger_entry (tenant_id, program, round, calculation, application, subject_label, "
                "awarded, paid, created_at) VALUES ($1, $2, $3, $4, $5, $6, 800.25, 500.10, $7) RETURNING id",
                t,
                rnd["program"],
                rnd["id"],
                calc,
                app_id,
                f"{marker}-award-{i}",
                submitted + timedelta(days=30),
            )
            for k, amount in enumerate((Decimal("300.05"), Decimal("200.05"))):
                await owner.execute(
                    "INSERT INTO payment (tenant_id, entry, amount, voucher, paid_on) VALUES ($1, $2, $3, $4, $5)",
                    t,
                    entry,
                    amount,
                    f"{marker}-v-{app_id}-{k}",
                    (submitted + timedelta(days=40 + 30 * k)).date(),
                )
    return ids


@pytest.fixture
async def scripted(owner: asyncpg.Connection, tenants: dict) -> dict:  # type: ignore[misc]
    """The state changes, with a marker to clean them up afterwards."""
    marker = f"ov-{uuid.uuid4().hex[:6]}"
    made: dict[str, list[int]] = {"enterprise": [], "warehouse": [], "talent": [], "funding": []}
    for slug, n in (("guangzhou", 7), ("foshan", 4)):
        t = tenants[slug]
        park = await owner.fetchrow(
            "SELECT id, name_zh FROM park WHERE tenant_id = $1 ORDER BY id LIMIT 1", t
        )
        wh_scheme = await _scheme(owner, t, "overseas_warehouse")
        park_scheme = await _scheme(owner, t, "park")
        talent_scheme = await _scheme(owner, t, "talent")
        for i in range(n):
            created = _at(2026, 1 + i % 9, 3 + i)
            status = "pending" if i == 3 else "active"
            ent = await owner.fetchval(
                "INSERT INTO enterprise (tenant_id, name, uscc, status, created_at) VALUES ($1, $2, $3, $4, $5) "
                "RETURNING id",
                t,
                f"{marker}-{slug}-{i}",
                f"91{uuid.uuid4().int % 10**16:016d}",
                status,
                created,
            )
            made["enterprise"].append(ent)
            country = ("DE", "US", "DE", "MY")[i % 4]
            wh = await owner.fetchval(
                "INSERT INTO overseas_warehouse (tenant_id, enterprise, country, city, address, floor_area, status, "
                "created_at) VALUES ($1, $2, $3, 'City', 'Street 1', 1000, 'active', $4) RETURNING id",
                t,
                ent,
                country,
                created,
            )
            made["warehouse"].append(wh)
            submitted = created + timedelta(days=5)
            # create → submit → in review → approved (notice) or rejected, decided i + 2 days later
            final = (
                "certified",
                "rejected",
                "in_review",
                "certified",
                "info_requested",
                "withdrawn",
                "certified",
            )[i]
            decided = submitted + timedelta(days=i + 2, hours=i)
            changes = [(submitted, "draft", "submitted"), (submitted, "submitted", "in_review")]
            if final in ("certified", "rejected"):
                first = "notice" if final == "certified" else "rejected"
                changes.append((decided, "in_review", first))
                if final == "certified":
                    changes.append((decided + timedelta(days=7), "notice", "certified"))
            app_id = await _application(
                owner, t, wh_scheme, "overseas_warehouse", wh, f"{marker}-wh-{i}", final, submitted, changes
            )
            if final == "certified":
                revoked = i == 6
                await _certificate(
                    owner,
                    t,
                    app_id,
                    wh_scheme["key"],
                    decided + timedelta(days=7),
                    "revoked" if revoked else "valid",
                )
            # a draft never submitted: counted nowhere
            await _application(
                owner, t, wh_scheme, "overseas_warehouse", wh, f"{marker}-draft-{i}", "draft", None, []
            )
            if i % 2 == 0:
                talent = await owner.fetchval(
                    "INSERT INTO talent (tenant_id, name, id_number, employer, category, status) "
                    "VALUES ($1, $2, $3, $4, 'high_skill', 'active') RETURNING id",
                    t,
                    f"{marker}-talent-{i}",
                    f"44010519900101{uuid.uuid4().int % 10**4:04d}",
                    ent,
                )
                made["talent"].append(talent)
                t_app = await _application(
                    owner,
                    t,
                    talent_scheme,
                    "talent",
                    talent,
                    f"{marker}-t-{i}",
                    "certified",
                    submitted,
                    [(submitted, "draft", "submitted"), (decided, "in_review", "notice")],
                )
                await _certificate(owner, t, t_app, talent_scheme["key"], decided + timedelta(days=8))
        p_app = await _application(
            owner,
            t,
            park_scheme,
            "park",
            park["id"],
            park["name_zh"],
            "certified",
            _at(2026, 2, 1),
            [(_at(2026, 2, 1), "draft", "submitted"), (_at(2026, 2, 20), "in_review", "notice")],
        )
        await _certificate(owner, t, p_app, park_scheme["key"], _at(2026, 3, 1))
        made["funding"] += await _funding(owner, t, made["enterprise"][-n:], marker)
    yield {"marker": marker, **made}
    await owner.execute("DELETE FROM payment WHERE voucher LIKE $1", f"{marker}%")
    await owner.execute("DELETE FROM ledger_entry WHERE subject_label LIKE $1", f"{marker}%")
    await owner.execute("DELETE FROM calculation_result WHERE application = ANY($1::int[])", made["funding"])
    await owner.execute("DELETE FROM calculation WHERE started_by_email = $1", marker)
    await owner.execute("DELETE FROM funding_application WHERE id = ANY($1::int[])", made["funding"])
    await owner.execute(
        "DELETE FROM certificate WHERE application IN (SELECT id FROM application WHERE subject_label LIKE $1 "
        "OR (subject_kind = 'park' AND submitted_at = $2))",
        f"{marker}%",
        _at(2026, 2, 1),
    )
    await owner.execute(
        "DELETE FROM application WHERE subject_label LIKE $1 OR (subject_kind = 'park' AND submitted_at = $2)",
        f"{marker}%",
        _at(2026, 2, 1),
    )
    await owner.execute("DELETE FROM talent WHERE id = ANY($1::int[])", made["talent"])
    await owner.execute("DELETE FROM overseas_warehouse WHERE id = ANY($1::int[])", made["warehouse"])
    await owner.execute("DELETE FROM enterprise WHERE id = ANY($1::int[])", made["enterprise"])


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
        "SELECT a.tenant_id, a.subject_id, min(c.issued_at) AS first FROM certificate c JOIN application a ON a.id = c.application "
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
            "SELECT c.tenant_id, count(*) n FROM certificate c JOIN application a ON a.id = c.application "
            f"WHERE a.subject_kind = 'talent' AND c.status <> 'revoked' AND {_month('c.issued_at')} BETWEEN $1 AND $2 GROUP BY 1",
            p.start,
            p.end,
        ),
        "talent_recognitions",
    )
    rows = await owner.fetch(
        f"SELECT tenant_id, status, count(*) n FROM application WHERE submitted_at IS NOT NULL "
        f"AND {_month('submitted_at')} BETWEEN $1 AND $2 GROUP BY 1, 2",
        p.start,
        p.end,
    )
    for r in rows:
        out.setdefault(r["tenant_id"], {}).setdefault("states", {})[r["status"]] = r["n"]
    rows = await owner.fetch(
        "WITH d AS (SELECT a.tenant_id, floor(extract(epoch FROM min(ch.at) - a.submitted_at) / 86400) AS days, "
        "min(ch.at) AS at FROM application a JOIN application_change ch ON ch.application = a.id "
        "AND ch.field_key = 'status' AND ch.new_value IN ('notice', 'approved', 'rejected') "
        "WHERE a.submitted_at IS NOT NULL GROUP BY a.tenant_id, a.id, a.submitted_at) "
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
        f"FROM funding_application f WHERE f.submitted_at IS NOT NULL AND {_month('f.submitted_at')} BETWEEN $1 AND $2 "
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
    from tests.integration.overview.helpers import refresh_all

    await refresh_all(as_user, owner, tenants)
    await _compare(owner, tenants)
    gz = tenants["guangzhou"]
    counted = await recount(owner, dashboard.period_of("2026-01", "2026-12"))
    assert counted[gz]["states"]["certified"] >= 3 and counted[gz]["decided"] >= 5  # the script did run
    assert counted[gz]["countries"]["DE"] >= 1
    assert counted[gz]["credit_refusals"] >= 2 and counted[gz]["paid"]  # funding was scripted too

    # more changes: a rejection, a revocation, a new enterprise; stale figures disappear on refresh
    wh = await owner.fetchval(
        "SELECT id FROM application WHERE subject_label = $1 AND tenant_id = $2",
        f"{scripted['marker']}-wh-2",
        gz,
    )
    await owner.execute("UPDATE application SET status = 'rejected' WHERE id = $1", wh)
    await owner.execute(
        "INSERT INTO application_change (tenant_id, application, at, field_key, old_value, new_value) "
        "VALUES ($1, $2, $3, 'status', 'in_review', 'rejected')",
        gz,
        wh,
        _at(2026, 6, 20),
    )
    await owner.execute(
        "UPDATE certificate SET status = 'revoked' WHERE application = (SELECT id FROM application WHERE subject_label = $1 AND tenant_id = $2)",
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
