"""Fixtures shared by the funding tests: a program with an open round in guangzhou (``program``), and
that round's applications calculated and approved (``approved``). A conftest is imported before the
session's environment is set: pilotzone and the factories are imported inside the fixtures."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal

import asyncpg
import pytest

from pilotzone.web.deadlines import tenant_today

SPEC = {
    "key": "test-export-reward",
    "subject": "enterprise",
    "name_zh": "测试出口奖励",
    "name_en": "Test export reward",
    "example_parameters": True,
    "inputs": [
        {"key": "exports", "type": "amount", "label_zh": "年度跨境出口额", "label_en": "Exports",
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
async def program(owner: asyncpg.Connection, tenants: dict) -> AsyncIterator[dict]:
    """The program ``SPEC`` (version 1) with its round 2026 (budget 100000, open since yesterday for
    30 days); afterwards the program goes with everything made in it."""
    from tests import factories

    made = await factories.program(
        "guangzhou",
        SPEC["key"],
        spec=SPEC,
        example_parameters=True,
        name_zh=SPEC["name_zh"],
        name_en=SPEC["name_en"],
        source="file",
    )
    today = tenant_today()
    round_ = await factories.funding_round(
        "guangzhou",
        made,
        key="2026",
        name_zh="2026年度",
        name_en="2026",
        budget=Decimal("100000"),
        opens_at=today - timedelta(days=1),
        closes_at=today + timedelta(days=30),
    )
    pid = made.id
    yield {"program": pid, "version": made.current_version, "round": round_.id, "tenant": tenants["guangzhou"]}
    for sql in (
        "DELETE FROM payment WHERE entry IN (SELECT id FROM ledger_entry WHERE program = $1)",
        "DELETE FROM ledger_entry WHERE program = $1",
        "DELETE FROM calculation_result WHERE application IN (SELECT id FROM funding_application WHERE program = $1)",
        "DELETE FROM calculation WHERE round IN (SELECT id FROM round WHERE program = $1)",
        "DELETE FROM document WHERE owner_kind = 'funding_application' AND owner_id IN "
        "(SELECT id FROM funding_application WHERE program = $1)",
        "DELETE FROM submission WHERE id IN (SELECT id FROM funding_application WHERE program = $1)",
        "UPDATE program SET current_version = NULL WHERE id = $1",
        "DELETE FROM round WHERE program = $1",
        "DELETE FROM program_version WHERE program = $1",
        "DELETE FROM program WHERE id = $1",
    ):
        await owner.execute(sql, pid)


@pytest.fixture
async def approved(owner: asyncpg.Connection, program: dict, as_user, admin_gz, worker) -> AsyncIterator[dict]:  # type: ignore[no-untyped-def]
    """``steps.N_APPROVED`` verified applications of three enterprises (every tenth declares ``x``: no
    award), the round closed, calculated (by the demo admin) and approved by a second bureau admin."""
    import asyncio

    from tests import factories
    from tests.integration.funding.steps import GZ, N_APPROVED, verified

    gz, rid = program["tenant"], program["round"]
    enterprises = [r["id"] for r in await owner.fetch(
        "SELECT id FROM enterprise WHERE tenant_id = $1 AND status = 'active' ORDER BY id LIMIT 3", gz
    )]
    rows = [
        verified(
            enterprises[i % len(enterprises)],
            f"公示测试企业{i:03d}",
            {"exports": "x" if i % 10 == 0 else str(10 + i)},
            ago=i,
            score=Decimal(0),
        )
        for i in range(1, N_APPROVED + 1)
    ]
    await factories.funding_applications("guangzhou", program["program"], program["version"], rid, rows)
    await owner.execute("UPDATE round SET status = 'closed' WHERE id = $1", rid)
    user, _ = await factories.member(
        "guangzhou", "bureau_admin", email="award-notice-admin@demo.pilotzone.cn", display_name="公示测试管理员"
    )
    base = f"{GZ}/funding/rounds/{rid}"
    assert (await admin_gz.post(f"{base}/calculate", follow_redirects=False)).status_code == 303
    calc = await owner.fetchval("SELECT id FROM calculation WHERE round = $1", rid)
    for _ in range(600):
        if await owner.fetchval("SELECT status FROM calculation WHERE id = $1", calc) == "calculated":
            break
        await asyncio.sleep(0.1)
    else:
        pytest.fail("the calculation did not finish")
    async with as_user(user.email) as second:
        ok = await second.post(f"{base}/calculations/{calc}/approve", follow_redirects=False)
        assert ok.status_code == 303, ok.text[:300]
        yield {**program, "calculation": calc, "base": base, "second": second}
    await owner.execute("DELETE FROM notice WHERE kind = 'award' AND submission IN (SELECT application FROM ledger_entry WHERE program = $1)",
                        program["program"])
    await owner.execute('DELETE FROM membership WHERE "user" = $1', user.id)
    await owner.execute("DELETE FROM pz_user WHERE id = $1", user.id)
