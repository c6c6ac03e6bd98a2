"""Funding programs from tenants/<slug>/programs.toml: validation, versions, rounds, the CLI."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import asyncpg
import pytest
from tests import factories

from pilotzone.funding.programs import compiled
from pilotzone.funding.states import state_on
from pilotzone.provisioning import TenantFileError, sync
from pilotzone.web.deadlines import tenant_today

ROOT = Path(__file__).resolve().parents[3]
GZ = "guangzhou/programs.toml"


async def run_cli(*args: str, stdin: str = "") -> tuple[int, str, str]:
    """``pilotzone funding …`` in its own process, with this test session's environment."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pilotzone.cli", "funding", *args,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env=dict(os.environ),
    )
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), timeout=120)
    return process.returncode or 0, out.decode(), err.decode()


async def _programs(owner: asyncpg.Connection) -> list[dict]:
    return [
        dict(r)
        for r in await owner.fetch(
            "SELECT p.tenant_id, p.key, p.version, p.active, v.spec FROM program p "
            "JOIN program_version v ON v.id = p.current_version ORDER BY p.id"
        )
    ]


async def test_synced_programs_versions_and_rounds(owner: asyncpg.Connection, tenants: dict) -> None:
    for slug, count in (("guangzhou", 4), ("shantou", 4), ("foshan", 4)):
        rows = await owner.fetch(
            "SELECT key FROM program WHERE tenant_id = $1 AND active AND source = 'file'", tenants[slug])
        assert len(rows) == count, slug
    row = await owner.fetchrow(
        "SELECT p.subject, v.version, v.example_parameters, v.spec->>'formula' AS formula, r.budget, r.rule, "
        "r.partial, r.opens_at, r.status FROM program p JOIN program_version v ON v.id = p.current_version "
        "JOIN round r ON r.program = p.id WHERE p.tenant_id = $1 AND p.key = 'warehouse-construction'",
        tenants["guangzhou"],
    )
    assert row["subject"] == "overseas_warehouse" and row["example_parameters"] is True
    assert row["formula"] == "min(cost * share, 2_000_000)"
    # synced in the state its dates give (closed once its close day has passed)
    by_date = state_on("scheduled", row["opens_at"], date(2026, 10, 31), tenant_today())
    assert (row["budget"], row["rule"], row["partial"], row["status"]) == (Decimal("10000000.00"), "ranked", True, by_date)
    assert str(row["opens_at"]) == "2026-03-01"
    # every stored spec keeps its numbers as exact strings
    spec = json.loads(await owner.fetchval(
        "SELECT v.spec FROM program_version v JOIN program p ON p.id = v.program "
        "WHERE p.tenant_id = $1 AND p.key = 'warehouse-construction'", tenants["guangzhou"]))
    assert spec["constants"] == {"share": "0.3"} and spec["cap"] == "2000000"


BAD = [
    ("formula = \"min(cost * share, 2_000_000)\"", "formula = \"min(cost * shares, 2_000_000)\"",
     "programs.warehouse-construction.formula", "unknown name 'shares' at position 11"),
    ("formula = \"min(cost * share, 2_000_000)\"", "formula = \"min(cost * share, 2_000_000\"",
     "programs.warehouse-construction.formula", "expected ')'"),
    ('expr = "floor_area >= 2000"', 'expr = "floor_area + 2000"',
     "programs.warehouse-construction.eligibility[2].expr", "must give a boolean"),
    ('scheme = "demo-park"', 'scheme = "demo-parks"', "programs[1].eligibility[0].scheme",
     "'demo-parks' is not a scheme of this tenant"),
    ("[[10_000_000, 100_000], [50_000_000, 300_000]", "[[10_000_000, 100_000], [5_000_000, 300_000]",
     "programs.export-reward.formula", "must ascend"),
    ('subject = "park"', 'subject = "casino"', "programs[1].subject", "Invalid enum value 'casino'"),
    ("cap = 100000\n", "cap = 100000\nbonus = 1\n", "programs[3]", "unknown field `bonus`"),
    ("closes = 2026-10-31", "closes = 2026-01-31", "programs[2].rounds[0].closes", "before opens"),
]


@pytest.mark.parametrize(("old", "new", "key", "reason"), BAD)
async def test_bad_program_file_changes_nothing(
    tmp_path: Path, owner: asyncpg.Connection, old: str, new: str, key: str, reason: str
) -> None:
    directory = tmp_path / "tenants"
    shutil.copytree(ROOT / "tenants", directory)
    path = directory / GZ
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    before = await _programs(owner)
    with pytest.raises(TenantFileError) as info:
        await sync(directory)
    assert info.value.file.endswith(GZ) and info.value.key == key, info.value
    assert reason in info.value.reason
    assert await _programs(owner) == before


async def test_changed_spec_gets_a_new_version_and_compiled_is_cached(
    tmp_path: Path, owner: asyncpg.Connection, tenants: dict
) -> None:
    directory = tmp_path / "tenants"
    shutil.copytree(ROOT / "tenants", directory)
    path = directory / GZ
    path.write_text(path.read_text(encoding="utf-8").replace("share = 0.3", "share = 0.35", 1), encoding="utf-8")
    query = (
        "SELECT p.version, v.id, v.spec FROM program p JOIN program_version v ON v.id = p.current_version "
        "WHERE p.tenant_id = $1 AND p.key = 'warehouse-construction'"
    )
    before = await owner.fetchrow(query, tenants["guangzhou"])
    try:
        report = await sync(directory)
        assert report.programs_written == 1
        after = await owner.fetchrow(query, tenants["guangzhou"])
        assert after["version"] == before["version"] + 1 and after["id"] != before["id"]
        assert not (await sync(directory)).changed()  # idempotent
        old = compiled({"id": before["id"], "spec": before["spec"]})
        new = compiled({"id": after["id"], "spec": after["spec"]})
        assert compiled({"id": before["id"], "spec": "{}"}) is old  # cached per version id
        inputs = {"cost": Decimal(1_000_000), "floor_area": Decimal(3000)}
        assert old.evaluate(inputs, None).amount == Decimal("300000.00")
        assert new.evaluate(inputs, None).amount == Decimal("350000.00")
        versions = await owner.fetchval(
            "SELECT count(*) FROM program_version v JOIN program p ON p.id = v.program "
            "WHERE p.tenant_id = $1 AND p.key = 'warehouse-construction'", tenants["guangzhou"])
        assert versions == after["version"]  # the old version stays for applications made under it
    finally:
        await sync(ROOT / "tenants")
        # the versions this test made go: the program is again as the session's sync left it
        program = await owner.fetchval("SELECT program FROM program_version WHERE id = $1", before["id"])
        await owner.execute(
            "UPDATE program SET version = $2, current_version = $3 WHERE id = $1",
            program, before["version"], before["id"],
        )
        await owner.execute(
            "DELETE FROM program_version WHERE program = $1 AND version > $2", program, before["version"]
        )


async def test_cli_evaluate_without_subject(tenants: dict) -> None:
    code, out, err = await run_cli(
        "evaluate", "--tenant", "guangzhou", "--program", "export-reward",
        "--inputs", json.dumps({"exports": "6000", "last_year_exports": "5000.00005"}),
    )
    assert code == 0, err
    result = json.loads(out)
    # declared in 万元 (the program's unit), evaluated in yuan: 6000 万元 = 60000000, 5000.00005 万元 = 50000000.5
    # tier 300000 + (60000000 - 50000000.50) × 0.002 = 319999.999 → 320000.00 (cap 800000)
    assert result["eligible"] is True and result["amount"] == "320000.00"
    lines = {step["expr"]: step for step in result["explanation"]}
    assert lines["eligibility: registered"]["value"] == "not checked"
    assert lines["eligibility: coalesce(official_export_this_year, exports) >= 10_000_000"]["value"] == "true"
    assert lines["amount"]["value"] == "320000.00"
    growth = next(step for step in result["explanation"] if step["expr"].startswith("if("))
    assert Decimal(growth["value"]) == Decimal("19999.999") and growth["note_en"] == "condition true: first value"

    code, out, _ = await run_cli(
        "evaluate", "--tenant", "guangzhou", "--program", "export-reward",
        "--inputs", json.dumps({"exports": "90", "last_year_exports": "0"}),  # 90 万元: below 1000 万元
    )
    result = json.loads(out)
    assert code == 0 and result["eligible"] is False and result["amount"] == "0.00"
    code, _, err = await run_cli(
        "evaluate", "--tenant", "guangzhou", "--program", "export-reward", "--inputs", '{"exports": "x"}'
    )
    assert code == 2 and "exports: must be a number" in err
    code, _, err = await run_cli("evaluate", "--tenant", "guangzhou", "--program", "nope", "--inputs", "{}")
    assert code == 1 and "no active program 'nope'" in err


@pytest.fixture
async def duisburg(owner: asyncpg.Connection, tenants: dict) -> AsyncIterator[int]:
    """An active 5000 m² warehouse of guangzhou's first enterprise; afterwards it goes, with the
    applications about it and their certificates."""
    enterprise = await owner.fetchval(
        "SELECT id FROM enterprise WHERE tenant_id = $1 ORDER BY id LIMIT 1", tenants["guangzhou"]
    )
    warehouse = await factories.warehouse(
        "guangzhou", enterprise, country="DE", city="Duisburg", floor_area=Decimal(5000), services=["storage"],
        wms_integrated=True,
    )
    yield warehouse.id
    about = "SELECT id FROM submission WHERE subject_kind = 'overseas_warehouse' AND subject_id = $1"
    await owner.execute(f"DELETE FROM certificate WHERE application IN ({about})", warehouse.id)  # noqa: S608
    await owner.execute(f"DELETE FROM submission WHERE id IN ({about})", warehouse.id)  # noqa: S608
    await owner.execute("DELETE FROM overseas_warehouse WHERE id = $1", warehouse.id)


async def test_cli_evaluate_with_subject_checks_the_database(duisburg: int) -> None:
    warehouse = duisburg
    marker = uuid.uuid4().hex[:8]
    args = ("evaluate", "--tenant", "guangzhou", "--program", "warehouse-construction",
            "--inputs", json.dumps({"cost": "9000000", "floor_area": "5000"}), "--subject", str(warehouse))
    code, out, err = await run_cli(*args)
    result = json.loads(out)
    assert code == 0 and result["eligible"] is False and result["amount"] == "0.00", err
    assert {r["rule"]: r["ok"] for r in result["reasons"]} == {
        "certified": False, "not_on_negative_list": True, "input": True}
    scheme = await factories.scheme("guangzhou", "overseas-warehouse")
    application = await factories.application(
        "guangzhou", scheme, "overseas_warehouse", warehouse, status="certified", subject_label=marker
    )
    await factories.certificate(
        "guangzhou", application.id, "overseas-warehouse", number=f"{marker}-cert",
        valid_until=datetime.now(UTC) + timedelta(days=365),
    )
    code, out, err = await run_cli(*args)
    result = json.loads(out)
    assert code == 0 and result["eligible"] is True, err
    assert result["amount"] == "2000000.00"  # 9,000,000 × 0.3 = 2,700,000, capped by min(…, 2,000,000)
    # a subject of another tenant is not found (RLS), not evaluated
    code, _, err = await run_cli("evaluate", "--tenant", "foshan", "--program", "warehouse-construction",
                                 "--inputs", json.dumps({"cost": "1"}), "--subject", str(warehouse))
    assert code == 1 and f"no overseas_warehouse {warehouse} in foshan" in err


async def test_cli_allocate() -> None:
    lines = "\n".join(json.dumps(row) for row in [
        {"id": 3, "claim": "30.01", "score": "1", "submitted_at": "2026-03-01T09:00:00+08:00"},
        {"id": 1, "claim": "10.00", "score": "3", "submitted_at": "2026-03-01T09:00:00+08:00"},
        {"id": 2, "claim": 20, "score": "2", "submitted_at": "2026-03-01T08:00:00+08:00"},
    ])
    code, out, err = await run_cli("allocate", "--budget", "10.00", "--rule", "pro_rata", stdin=lines)
    assert code == 0, err
    assert [json.loads(line) for line in out.splitlines()] == [
        {"id": 3, "award": "5.00"}, {"id": 1, "award": "1.67"}, {"id": 2, "award": "3.33"}]
    code, out, _ = await run_cli("allocate", "--budget", "25", "--rule", "ranked", "--partial", stdin=lines)
    assert {r["id"]: r["award"] for r in map(json.loads, out.splitlines())} == {1: "10.00", 2: "15.00", 3: "0.00"}
    code, out, _ = await run_cli("allocate", "--budget", "25", "--rule", "first_come", stdin=lines)
    assert {r["id"]: r["award"] for r in map(json.loads, out.splitlines())} == {2: "20.00", 1: "0.00", 3: "0.00"}
    code, _, err = await run_cli("allocate", "--budget", "25", "--rule", "pro_rata", stdin='{"id": 1}\n')
    assert code == 1 and "line 1" in err
