"""A funding program with an open round in guangzhou, arranged behind the app's back."""

from __future__ import annotations

import json

import asyncpg
import pytest

SPEC = {
    "key": "test-export-reward",
    "subject": "enterprise",
    "name_zh": "测试出口奖励",
    "name_en": "Test export reward",
    "example_parameters": True,
    "inputs": [
        {"key": "exports", "type": "decimal", "label_zh": "年度跨境出口额（万元）", "label_en": "Exports (10k yuan)",
         "min": "0", "required": True},
        {"key": "certified", "type": "boolean", "label_zh": "是否认定", "label_en": "Certified", "required": False},
    ],
    "documents": [{"key": "report", "label_zh": "审计报告", "label_en": "Audit report",
                   "types": ["application/pdf"], "required": True}],
    "eligibility": [{"kind": "not_on_negative_list"}],
    "constants": {"rate": "10.5"},
    "formula": "exports * rate",
    "cap": "50000",
    "stages": ["bureau_reviewer", "bureau_admin"],
}


@pytest.fixture
async def program(owner: asyncpg.Connection, tenants: dict):  # type: ignore[no-untyped-def]
    gz = tenants["guangzhou"]
    pid = await owner.fetchval(
        "INSERT INTO program (tenant_id, key, subject, name_zh, name_en, version, active, updated_at) "
        "VALUES ($1, 'test-export-reward', 'enterprise', '测试出口奖励', 'Test export reward', 1, true, now()) RETURNING id",
        gz,
    )
    vid = await owner.fetchval(
        "INSERT INTO program_version (tenant_id, program, version, spec, example_parameters, created_at) "
        "VALUES ($1, $2, 1, $3, true, now()) RETURNING id",
        gz, pid, json.dumps(SPEC),
    )
    await owner.execute("UPDATE program SET current_version = $1 WHERE id = $2", vid, pid)
    rid = await owner.fetchval(
        "INSERT INTO round (tenant_id, program, key, name_zh, name_en, budget, opens_at, closes_at, status, rule, "
        "partial, updated_at) VALUES ($1, $2, '2026', '2026年度', '2026', 100000, current_date - 1, current_date + 30, "
        "'open', 'pro_rata', false, now()) RETURNING id",
        gz, pid,
    )
    yield {"program": pid, "version": vid, "round": rid, "tenant": gz}
    for sql in (
        "DELETE FROM payment WHERE entry IN (SELECT id FROM ledger_entry WHERE program = $1)",
        "DELETE FROM ledger_entry WHERE program = $1",
        "DELETE FROM calculation_result WHERE application IN (SELECT id FROM funding_application WHERE program = $1)",
        "DELETE FROM calculation WHERE round IN (SELECT id FROM round WHERE program = $1)",
        "DELETE FROM document WHERE owner_kind = 'funding_application' AND owner_id IN "
        "(SELECT id FROM funding_application WHERE program = $1)",
        "DELETE FROM funding_application WHERE program = $1",
        "UPDATE program SET current_version = NULL WHERE id = $1",
        "DELETE FROM round WHERE program = $1",
        "DELETE FROM program_version WHERE program = $1",
        "DELETE FROM program WHERE id = $1",
    ):
        await owner.execute(sql, pid)
