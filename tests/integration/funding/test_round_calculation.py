"""Round calculation on the real Redis broker: chunked job, upsert by (calculation, application), the
negative list at calculation time, a rerun gives identical rows, recalculation with differences,
four-eyes approval, ledger and payments, CSV and XLSX exports."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from decimal import Decimal

import asyncpg
import pytest
from openpyxl import load_workbook
from tests import factories
from tests.integration.funding.steps import verified as verified_row

N = 650  # three chunks of at most 300
SECOND_ADMIN = "second-funding-admin@demo.pilotzone.cn"


async def _wait(owner: asyncpg.Connection, calculation: int, limit: float = 60) -> asyncpg.Record:
    deadline = asyncio.get_running_loop().time() + limit
    while True:
        row = await owner.fetchrow("SELECT * FROM calculation WHERE id = $1", calculation)
        if row["status"] != "running":
            return row
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"calculation {calculation} still running after {limit}s")
        await asyncio.sleep(0.1)


async def _results(owner: asyncpg.Connection, calculation: int) -> list[tuple]:
    rows = await owner.fetch(
        "SELECT application, eligible, claim, award, explanation FROM calculation_result WHERE calculation = $1 "
        "ORDER BY application",
        calculation,
    )
    return [tuple(r) for r in rows]


@pytest.fixture
async def verified(owner: asyncpg.Connection, program: dict) -> dict:  # type: ignore[no-untyped-def]
    gz = program["tenant"]
    enterprises = [r["id"] for r in await owner.fetch(
        "SELECT id FROM enterprise WHERE tenant_id = $1 AND status = 'active' ORDER BY id LIMIT 5", gz
    )]
    rows = [
        verified_row(
            enterprises[i % len(enterprises)],
            f"测试企业{i}",
            {"exports": f"{100 + (i * 37) % 900}.5"},
            ago=i,
            verified={"exports": str(50 + i % 400)} if i % 3 == 0 else {},
            score=Decimal(i % 100),
        )
        for i in range(1, N + 1)
    ]
    await factories.funding_applications("guangzhou", program["program"], program["version"], program["round"], rows)
    await owner.execute("UPDATE round SET status = 'closed' WHERE id = $1", program["round"])
    user, _ = await factories.member("guangzhou", "bureau_admin", email=SECOND_ADMIN, display_name="第二位局管理员")
    yield {**program, "listed": enterprises[0]}
    await owner.execute("DELETE FROM negative_list_entry WHERE enterprise = $1 AND source = '测试来源'", enterprises[0])
    await owner.execute("DELETE FROM membership WHERE \"user\" = $1", user.id)
    await owner.execute("DELETE FROM pz_user WHERE id = $1", user.id)


async def test_calculation_approval_ledger_and_exports(as_user, admin_gz, worker, owner, verified) -> None:
    rid, gz = verified["round"], verified["tenant"]
    base = f"/z/guangzhou/funding/rounds/{rid}"
    # listed after the applications were verified: excluded at calculation time
    await factories.negative_entry("guangzhou", verified["listed"], reason="拖欠税款", source="测试来源")
    started = await admin_gz.post(f"{base}/calculate", follow_redirects=False)
    assert started.status_code == 303, started.text[:500]
    first = await owner.fetchrow("SELECT * FROM calculation WHERE round = $1 AND version = 1", rid)
    page = await admin_gz.get(base)
    assert 'id="job-' in page.text and "<progress" in page.text
    done = await _wait(owner, first["id"])
    assert done["status"] == "calculated" and done["applications"] == N
    run = await owner.fetchrow("SELECT * FROM job_run WHERE id = $1", first["job_run"])
    assert run["status"] == "done" and run["done"] == N
    results = await _results(owner, first["id"])
    assert len(results) == N and len({r[0] for r in results}) == N
    assert sum(r[3] for r in results) == Decimal("100000.00") == done["total_award"]  # oversubscribed
    assert all(r[3] <= r[2] for r in results)
    listed = await owner.fetch(
        "SELECT r.eligible, r.award, r.explanation FROM calculation_result r JOIN submission a "
        "ON a.id = r.application WHERE r.calculation = $1 AND a.applicant_enterprise = $2", first["id"], verified["listed"],
    )
    assert listed and all(not r["eligible"] and r["award"] == 0 and "拖欠税款" in r["explanation"] for r in listed)
    # verified values win over declared ones
    row = await owner.fetchrow(
        "SELECT a.verified, r.claim FROM calculation_result r JOIN funding_application a ON a.id = r.application "
        "WHERE r.calculation = $1 AND r.eligible AND a.verified <> '{}'::jsonb LIMIT 1", first["id"],
    )
    assert row["claim"] == (Decimal(json.loads(row["verified"])["exports"]) * Decimal("10.5")).quantize(Decimal("0.01"))

    # a crashed step's rerun over the same calculation: identical rows, no duplicates
    await owner.execute("UPDATE calculation SET status = 'running', cursor = 0 WHERE id = $1", first["id"])
    await owner.execute("UPDATE job_run SET status = 'running', done = 0 WHERE id = $1", first["job_run"])
    from pilotzone.jobs.services import recover_unfinished

    await recover_unfinished()
    await _wait(owner, first["id"])
    assert await _results(owner, first["id"]) == results

    # recalculation after a verified value changed: version 2 and the differences
    changed = results[10][0] if results[10][1] else results[11][0]
    await owner.execute("UPDATE funding_application SET verified = '{\"exports\": \"9999\"}' WHERE id = $1", changed)
    again = await admin_gz.post(f"{base}/calculate", follow_redirects=False)
    assert again.status_code == 303
    second = await owner.fetchrow("SELECT * FROM calculation WHERE round = $1 AND version = 2", rid)
    await _wait(owner, second["id"])
    assert await owner.fetchval("SELECT status FROM calculation WHERE id = $1", first["id"]) == "superseded"
    page = await admin_gz.get(base)
    assert 'class="diff"' in page.text and "→" in page.text

    # four eyes
    refused = await admin_gz.post(f"{base}/calculations/{second['id']}/approve", follow_redirects=False)
    assert refused.status_code == 403 and "四眼原则" in refused.text
    async with as_user(SECOND_ADMIN) as other:
        approved = await other.post(f"{base}/calculations/{second['id']}/approve", follow_redirects=False)
        assert approved.status_code == 303, approved.text[:300]
        entries = await owner.fetch("SELECT * FROM ledger_entry WHERE round = $1 ORDER BY id", rid)
        awarded = await owner.fetchval(
            "SELECT count(*) FROM calculation_result WHERE calculation = $1 AND award > 0", second["id"]
        )
        assert len(entries) == awarded and sum(e["awarded"] for e in entries) == Decimal("100000.00")
        entry = entries[0]
        pay = f"{base}/ledger/{entry['id']}/payments"
        assert entry["status"] == "notice"
        early = await other.post(
            pay, data={"amount": "1.00", "voucher": "PZ-T-0", "paid_on": "2026-12-01"}, follow_redirects=False
        )
        assert early.status_code == 409 and "公示结束后方可拨付" in early.text
        await owner.execute("UPDATE notice SET notice_until = now() - interval '1 second' WHERE kind = 'award' AND submission IN (SELECT application FROM ledger_entry WHERE round = $1)", rid)
        too_much = await other.post(
            pay, data={"amount": str(entry["awarded"] + Decimal("0.01")), "voucher": "PZ-T-1", "paid_on": "2026-12-01"},
            follow_redirects=False,
        )
        assert too_much.status_code == 409
        half = (entry["awarded"] / 2).quantize(Decimal("0.01"))
        ok = await other.post(pay, data={"amount": str(half), "voucher": "PZ-T-1", "paid_on": "2026-12-01"},
                              follow_redirects=False)
        assert ok.status_code == 303
        dup = await other.post(pay, data={"amount": "0.01", "voucher": "PZ-T-1", "paid_on": "2026-12-01"},
                               follow_redirects=False)
        assert dup.status_code == 409
        assert await owner.fetchval("SELECT paid FROM ledger_entry WHERE id = $1", entry["id"]) == half
        balance = await other.get(f"/z/guangzhou/funding/programs/{verified['program']}/balance")
        assert "100,000.00 元" in balance.text and f"{half:,.2f} 元" in balance.text

        exported = await other.get(f"{base}/calculations/{second['id']}/results.csv")
        assert exported.status_code == 200
        lines = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
        assert lines[0][0] == "申请编号" and len(lines) == N + 1
        assert sum(Decimal(line[4]) for line in lines[1:]) == Decimal("100000.00")
        assert all(len(line[4].split(".")[1]) == 2 for line in lines[1:])
        xlsx = await other.get(f"{base}/calculations/{second['id']}/results.xlsx")
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        cells = list(sheet.iter_rows(values_only=True))
        assert cells[0][3] == "申报测算金额（元）" and len(cells) == N + 1
        assert all(isinstance(c[4], int | float) for c in cells[1:])  # amounts are numbers
        assert sum(Decimal(str(c[4])) for c in cells[1:]) == Decimal("100000.00")
        assert {sheet.cell(row=r, column=5).number_format for r in range(2, N + 2)} == {"#,##0.00"}
    actions = {r["action"] for r in await owner.fetch("SELECT action FROM audit_log WHERE tenant_id = $1", gz)}
    assert {"calculation.started", "calculation.approved", "payment.recorded"} <= actions
