"""Funding pages that read well in zh-CN: the round page shows its status, rule, amounts and calculation
by their labels (never the stored codes), the program page its conditions by the inputs' labels, the form
states its unit, a submission gets its receipt (受理回执), the audit page shows actions by label."""

from __future__ import annotations

import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import asyncpg
from tests import factories
from tests.integration.funding.steps import BASE, GZ, submitted
from tests.support import demo


def _between(page: str, start: str, end: str) -> str:
    return page.split(start, 1)[1].split(end, 1)[0]


async def test_round_page_shows_labels_and_amounts(admin_gz, owner: asyncpg.Connection, program) -> None:  # type: ignore[no-untyped-def]
    calc = await factories.calculation(
        "guangzhou", program["round"], status="calculated", total_claim=Decimal("1234567.8"), total_award=Decimal("99999.99")
    )
    try:
        page = await admin_gz.get(f"{GZ}/funding/rounds/{program['round']}")
        assert page.status_code == 200
        facts = _between(page.text, 'id="round-live"', "</dl>")
        assert 'id="round-status">申报中</dd>' in facts  # the status by its label
        assert "100,000.00 元" in facts and "按比例分配（精确到分）" in facts
        for code in (">open<", ">pro_rata<", ">100000.00<"):
            assert code not in facts, code
        results = _between(page.text, 'id="results-heading"', "</h2>")
        assert "已测算，待审批" in results and "(calculated)" not in results
        assert "1,234,567.80 元" in page.text and "99,999.99 元" in page.text
    finally:
        await owner.execute("DELETE FROM calculation WHERE id = $1", calc.id)


async def test_program_page_reads_conditions_by_labels(as_user) -> None:  # type: ignore[no-untyped-def]
    async with as_user(demo("enterprise", "guangzhou")) as client:
        page = await client.get(f"{GZ}/programs/export-reward")
    assert page.status_code == 200
    who = _between(page.text, 'id="eligibility-heading"', "</section>")
    assert "〔" in who and "exports &gt;=" not in who and "exports >=" not in who  # the input's label, not its key
    assert "not_on_negative_list" not in page.text and "pro_rata" not in page.text


async def test_submit_gets_a_receipt_and_the_form_states_its_unit(as_user, owner: asyncpg.Connection, program) -> None:  # type: ignore[no-untyped-def]
    async with as_user(demo("enterprise", "guangzhou")) as client:
        app_id = await submitted(client, owner, program, "1234.5")
        page = await client.get(f"{BASE}/{app_id}?receipt=submitted")
        form = await client.get(f"{BASE}/{app_id}")
        english = await client.get(f"{BASE}/{app_id}?receipt=submitted", cookies={"lang": "en"})
    assert "Acknowledgement of receipt" in english.text and "(Beijing time)" in english.text
    assert "Review, stage 1 of 2" in english.text and "Exports (yuan)</label>" in english.text
    at = await owner.fetchval("SELECT submitted_at FROM submission WHERE id = $1", app_id)
    local = at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert re.search(rf'<strong id="receipt-reference">FC-{local:%Y%m%d}-{app_id:06d}</strong>', page.text)
    assert f"{local:%Y-%m-%d %H:%M:%S}" in page.text and "UTC" not in page.text
    next_step = _between(page.text, 'id="receipt-next"', "</dl>")
    assert "审核（第 1 阶段，共 2 阶段）" in next_step and "商务局审核员" in next_step
    assert "测试出口奖励" in page.text and 'id="receipt"' not in form.text
    assert '<label for="f-exports">年度跨境出口额（元）</label>' in form.text  # the unit on the label


async def test_audit_page_shows_actions_by_label_in_beijing_time(admin_gz, as_user, owner: asyncpg.Connection, program) -> None:  # type: ignore[no-untyped-def]
    async with as_user(demo("enterprise", "guangzhou")) as client:
        app_id = await submitted(client, owner, program, "10")
    page = await admin_gz.get("/z/guangzhou/admin/audit", params={"action": "funding_application.submitted"})
    assert page.status_code == 200
    rows = _between(page.text, '<div id="audit-rows">', "</table>")
    assert "时间（北京时间）" in rows and "UTC" not in page.text
    assert "扶持资金申报 · 已提交" in rows and ">funding_application.submitted<" not in rows
    at = await owner.fetchval(
        "SELECT at FROM audit_log WHERE action = 'funding_application.submitted' AND object_id = $1", str(app_id)
    )
    assert f"{at.astimezone(ZoneInfo('Asia/Shanghai')):%Y-%m-%d %H:%M:%S}" in rows


async def test_results_xlsx_amounts_are_numbers_with_a_two_decimal_format(admin_gz, owner: asyncpg.Connection, program) -> None:  # type: ignore[no-untyped-def]
    import io

    from openpyxl import load_workbook

    enterprise = await owner.fetchval("SELECT min(id) FROM enterprise WHERE tenant_id = $1", program["tenant"])
    app = await factories.funding_application(
        "guangzhou", program["program"], program["version"], program["round"], enterprise, status="verified"
    )
    calc = await factories.calculation("guangzhou", program["round"], status="calculated")
    await factories.calculation_result(
        "guangzhou", calc.id, app.id, claim=Decimal("1234567.8"), award=Decimal("1234567.8")
    )
    try:
        got = await admin_gz.get(f"{GZ}/funding/rounds/{program['round']}/calculations/{calc.id}/results.xlsx")
        assert got.status_code == 200
        sheet = load_workbook(io.BytesIO(got.content)).active
        claim = sheet.cell(row=2, column=4)
        assert claim.value == 1234567.8 and claim.number_format == "#,##0.00"  # a number, not text
        csv_got = await admin_gz.get(f"{GZ}/funding/rounds/{program['round']}/calculations/{calc.id}/results.csv")
        assert "1234567.80" in csv_got.content.decode("utf-8-sig")
    finally:
        await owner.execute("DELETE FROM calculation_result WHERE calculation = $1", calc.id)
        await owner.execute("DELETE FROM calculation WHERE id = $1", calc.id)


async def test_a_reviewers_decision_gets_its_receipt(as_user, owner: asyncpg.Connection, program) -> None:  # type: ignore[no-untyped-def]
    async with as_user(demo("enterprise", "guangzhou")) as client:
        app_id = await submitted(client, owner, program, "1234.5")
    async with as_user(demo("reviewer", "guangzhou")) as reviewer:
        approved = await reviewer.post(
            f"{BASE}/{app_id}/review",
            data={"decision": "approve", "verified:exports": "1000", "reason:exports": "按报关单核减"},
            follow_redirects=False,
        )
        assert approved.status_code == 303 and approved.headers["location"] == f"{BASE}/{app_id}?receipt=decided"
        page = await reviewer.get(approved.headers["location"])
    step = await owner.fetchrow(
        "SELECT id, created_at FROM review_step WHERE submission = $1 AND decision = 'approve'", app_id
    )
    local = step["created_at"].astimezone(ZoneInfo("Asia/Shanghai"))
    assert re.search(rf'<strong id="receipt-reference">SH-{local:%Y%m%d}-{step["id"]:06d}</strong>', page.text)
    assert "审核决定回执" in page.text and "已通过" in page.text
    assert "审核（第 2 阶段，共 2 阶段）" in page.text and "商务局管理员" in page.text  # next: the admin's stage
    assert "核实值: 1,000.00 元" in page.text  # the verified value grouped, with its unit
