"""Data for bench/funding_calc.py: 10 tenants (the shipped three plus copies under new slugs) and, as
the owner, enterprises (a few pending), certificates (overseas warehouse, talent; some expired or revoked),
negative-list entries (in force, expired, ended) and verified funding applications with declared and,
for most, verified inputs for each program's formula (COPY)."""

from __future__ import annotations

import json
import random
import re
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
COPIES = {
    "guangzhou": ["gz-baiyun", "gz-nansha", "gz-huangpu", "gz-panyu"],
    "shantou": ["st-chaoyang", "st-chenghai", "st-longhu"],
}
ENTERPRISES_PER_TENANT = 2_000
SEED = 20261201


def write_tenants(target: Path) -> None:
    """The shipped tenants plus copies under new slugs (own file, own programs and schemes)."""
    shutil.copytree(ROOT / "tenants", target, dirs_exist_ok=True)
    for original, slugs in COPIES.items():
        text = (ROOT / "tenants" / f"{original}.toml").read_text(encoding="utf-8")
        for n, slug in enumerate(slugs, 1):
            copy = re.sub(r'^slug = ".*"$', f'slug = "{slug}"', text, count=1, flags=re.M)
            copy = re.sub(r"^sort_order = .*$", f"sort_order = {100 + n}", copy, count=1, flags=re.M)
            copy = re.sub(r'^zh = "(.*)"$', lambda m: f'zh = "{m.group(1)}"', copy)
            (target / f"{slug}.toml").write_text(copy, encoding="utf-8")
            shutil.copytree(ROOT / "tenants" / original, target / slug, dirs_exist_ok=True)


def _money(rng: random.Random, low: float, high: float) -> str:
    """A declared amount as typed (text, two decimals); the random source is only a generator."""
    return f"{Decimal(int(rng.uniform(low, high) * 100)) / 100:.2f}"


def _declared(rng: random.Random, key: str, kind: str) -> str:
    if kind == "boolean":
        return "yes" if rng.random() < 0.3 else "no"
    if kind == "text":
        return rng.choice(["汕头—洛杉矶", "汕头—汉堡", "汕头—迪拜", "汕头—新加坡"])
    if key == "exports":  # the export rewards are declared in 万元: 200 to 20,000 万元
        return f"{Decimal(int(10 ** rng.uniform(6.3, 8.3))) / 10_000:.2f}"
    ranges = {
        "cost": (500_000, 12_000_000), "floor_area": (800, 20_000), "annual_salary": (150_000, 1_500_000),
        "leased_area": (500, 15_000), "loss": (100_000, 8_000_000),
    }
    if key in ("months", "trips"):
        return str(rng.randint(1, 12) if key == "months" else rng.randint(0, 80))
    low, high = ranges.get(key, (1_000, 1_000_000))
    return _money(rng, low, high)


def _values(rng: random.Random, inputs: list[dict]) -> tuple[dict, dict]:
    """Declared values for every input; verified values (reviewers' corrections) for most numbers."""
    declared = {i["key"]: _declared(rng, i["key"], i["type"]) for i in inputs}
    if "last_year_exports" in declared:
        declared["last_year_exports"] = f"{Decimal(declared['exports']) * Decimal(str(round(rng.uniform(0.6, 1.2), 2))):.2f}"
    verified = {}
    if rng.random() < 0.7:
        for i in inputs:
            if i["type"] in ("decimal", "amount"):
                factor = Decimal(str(round(rng.uniform(0.85, 1.0), 3)))
                verified[i["key"]] = f"{Decimal(declared[i['key']]) * factor:.2f}"
    if rng.random() < 0.002:  # a value the reviewers could not confirm: the formula cannot be evaluated
        declared[inputs[0]["key"]] = "不详"
        verified.pop(inputs[0]["key"], None)
    return declared, verified


async def seed(conn: asyncpg.Connection, apps: int) -> dict[int, str]:
    """Enterprises, certificates, negative-list entries and ``apps`` verified applications."""
    rng = random.Random(SEED)  # noqa: S311 - test data, not secrets
    from pilotzone.registry.uscc import with_check

    tenants = {r["id"]: r["slug"] for r in await conn.fetch("SELECT id, slug FROM tenant ORDER BY id")}
    programs = await conn.fetch(
        "SELECT p.id, p.tenant_id, p.key, p.subject, v.id AS version, v.spec, r.id AS round "
        "FROM program p JOIN program_version v ON v.id = p.current_version JOIN round r ON r.program = p.id "
        "WHERE p.active ORDER BY p.tenant_id, p.id"
    )
    per_tenant = apps // len(tenants)
    enterprise_rows, n = [], 0
    for tid in tenants:
        for i in range(ENTERPRISES_PER_TENANT):
            n += 1
            status = "pending" if rng.random() < 0.01 else "active"
            enterprise_rows.append(
                (tid, f"基准{tenants[tid]}跨境电商{i:05}有限公司", with_check(f"91440101MB{n:07}"), "440106", status, "bureau")
            )
    await conn.copy_records_to_table(
        "enterprise", records=enterprise_rows,
        columns=["tenant_id", "name", "uscc", "district_code", "status", "source"],
    )
    enterprises: dict[int, list[int]] = {}
    for r in await conn.fetch("SELECT tenant_id, id FROM enterprise WHERE name LIKE '基准%' ORDER BY id"):
        enterprises.setdefault(r["tenant_id"], []).append(r["id"])
    # certificates: 60 % hold an overseas-warehouse one, 70 % a talent one; a few expired or revoked
    schemes = {(r["tenant_id"], r["key"]): r["id"] for r in await conn.fetch("SELECT tenant_id, key, id FROM scheme")}
    cert_apps, plan = [], []
    for tid, ids in enterprises.items():
        for eid in ids:
            for key, share in (("overseas-warehouse", 0.6), ("talent", 0.7)):
                if (tid, key) in schemes and rng.random() < share:
                    state = rng.choices(["valid", "expired", "revoked"], [0.92, 0.05, 0.03])[0]
                    cert_apps.append((tid, schemes[(tid, key)], 1, "enterprise", eid, eid, "certified"))
                    plan.append((tid, key, state))
    # each certified application: a submission (its id taken from the sequence first) and its part
    await conn.execute(
        "CREATE TEMP TABLE cert_app (n serial, tenant_id int, scheme int, scheme_version int, subject_kind text, "
        "subject_id int, applicant_enterprise int, status text, id int)"
    )
    await conn.copy_records_to_table(
        "cert_app", records=cert_apps,
        columns=["tenant_id", "scheme", "scheme_version", "subject_kind", "subject_id", "applicant_enterprise", "status"],
    )
    await conn.execute("UPDATE cert_app SET id = nextval(pg_get_serial_sequence('submission', 'id'))")
    await conn.execute(
        "INSERT INTO submission (id, tenant_id, kind, subject_kind, subject_id, applicant_enterprise, status) "
        "SELECT id, tenant_id, 'certification', subject_kind, subject_id, applicant_enterprise, status FROM cert_app"
    )
    await conn.execute(
        "INSERT INTO application (id, tenant_id, scheme, scheme_version) "
        "SELECT id, tenant_id, scheme, scheme_version FROM cert_app"
    )
    app_ids = [r["id"] for r in await conn.fetch("SELECT id FROM cert_app ORDER BY n")]
    certificates = [
        (tid, aid, key, f"BENCH-{aid}", "revoked" if state == "revoked" else "valid", state == "expired")
        for (tid, key, state), aid in zip(plan, app_ids, strict=True)
    ]
    await conn.execute(
        "CREATE TEMP TABLE cert_plan (tenant_id int, application int, scheme_key text, number text, status text, "
        "expired bool)"
    )
    await conn.copy_records_to_table("cert_plan", records=certificates)
    await conn.execute(
        "INSERT INTO certificate (tenant_id, application, scheme_key, number, status, issued_at, valid_from, "
        "valid_until) SELECT tenant_id, application, scheme_key, number, status, now() - interval '1 year', "
        "now() - interval '1 year', now() + CASE WHEN expired THEN interval '-30 days' ELSE interval '2 years' END "
        "FROM cert_plan"
    )
    # negative list: 4 % in force, 2 % expired, 1 % ended
    entries = []
    for tid, ids in enterprises.items():
        for eid in ids:
            roll = rng.random()
            if roll < 0.04:
                entries.append((tid, eid, "海关认定失信企业", "海关失信企业名单", "2026-01-01", None, None))
            elif roll < 0.06:
                entries.append((tid, eid, "逾期未履行行政处罚", "市场监管部门", "2024-01-01", "2025-01-01", None))
            elif roll < 0.07:
                entries.append((tid, eid, "拖欠税款", "税务部门", "2025-06-01", None, "2025-12-01"))
    await conn.copy_records_to_table(
        "negative_list_entry",
        records=[(t, e, r, s, date.fromisoformat(f), date.fromisoformat(u) if u else None,
                  date.fromisoformat(x) if x else None) for t, e, r, s, f, u, x in entries],
        columns=["tenant_id", "enterprise", "reason", "source", "valid_from", "valid_until", "ended_on"],
    )
    # applications: per tenant, spread over its programs (parks: a handful; enterprises: most)
    weights = {"enterprise": 6.0, "overseas_warehouse": 2.0, "talent": 3.0, "park": 0.0}
    rows = []
    by_tenant: dict[int, list] = {}
    for p in programs:
        by_tenant.setdefault(p["tenant_id"], []).append(p)
    for tid, progs in by_tenant.items():
        total_w = sum(weights[p["subject"]] for p in progs)
        made = 0
        for j, p in enumerate(progs):
            spec = json.loads(p["spec"])
            if p["subject"] == "park":
                count = 5
            elif j == max(k for k, q in enumerate(progs) if q["subject"] != "park"):
                count = per_tenant - made
            else:
                count = int(per_tenant * weights[p["subject"]] / total_w)
            made += count if p["subject"] != "park" else 0
            inputs = spec.get("inputs", [])
            ids = enterprises[tid]
            for k in range(count):
                eid = ids[k % len(ids)] if p["subject"] != "talent" else rng.choice(ids)
                declared, verified = _values(rng, inputs) if inputs else ({}, {})
                submitted = f"2026-0{rng.randint(3, 9)}-{rng.randint(10, 28)} {rng.randint(8, 17)}:{rng.randint(10, 59)}:00+08"
                park = p["subject"] == "park"
                rows.append((
                    tid, p["id"], p["version"], p["round"], p["subject"], eid if not park else k + 1,
                    f"申报主体{tid}-{p['key']}-{k}", None if park else eid, "440106",
                    json.dumps(declared, ensure_ascii=False), json.dumps(verified, ensure_ascii=False),
                    "verified", len(spec.get("stages", [1, 2])) - 1, Decimal(rng.randint(6000, 10000)) / 100, submitted,
                ))
    await conn.execute(
        "CREATE TEMP TABLE app_plan (tenant_id int, program int, program_version int, round int, subject_kind text, "
        "subject_id int, subject_label text, applicant_enterprise int, district_code text, declared text, "
        "verified text, status text, stage int, score numeric, submitted_at text)"
    )
    await conn.copy_records_to_table("app_plan", records=rows)
    # ids in a random order across programs and tenants (as applications arrive), from the sequence
    await conn.execute(
        "CREATE TEMP TABLE app_made AS SELECT p.*, nextval(pg_get_serial_sequence('submission', 'id'))::int AS id "
        "FROM (SELECT * FROM app_plan ORDER BY random()) p"
    )
    await conn.execute(
        "INSERT INTO submission (id, tenant_id, kind, subject_kind, subject_id, subject_label, applicant_enterprise, "
        "district_code, \"values\", status, stage, submitted_at, created_at, updated_at) SELECT id, tenant_id, "
        "'funding', subject_kind, subject_id, subject_label, applicant_enterprise, district_code, declared::jsonb, "
        "status, stage, submitted_at::timestamptz, now(), now() FROM app_made ORDER BY id"
    )
    await conn.execute(
        "INSERT INTO funding_application (id, tenant_id, program, program_version, round, verified, score) "
        "SELECT id, tenant_id, program, program_version, round, verified::jsonb, score FROM app_made ORDER BY id"
    )
    for table in ("enterprise", "submission", "application", "certificate", "negative_list_entry", "funding_application"):
        await conn.execute(f"VACUUM ANALYZE {table}")
    return tenants
