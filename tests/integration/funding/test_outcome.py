"""Issue 11, items 4 and 5: the admin who started a calculation is told who may approve it (no button
that ends in a 403; the 403 stays), the demo's second bureau admin approves; the applicant's page then
shows the outcome: awarded amount, the notice and its end, objections and their outcome, payments."""

from __future__ import annotations

import asyncio
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from litestar.testing import AsyncTestClient
from tests import factories
from tests.integration.funding.steps import verified
from tests.support import csrf_of, demo

GZ = "/z/guangzhou"
APPROVE = "审批测算结果"


@pytest.fixture
async def calculated(owner: asyncpg.Connection, program: dict, admin_gz, worker) -> dict:  # type: ignore[no-untyped-def]
    """One verified application of the demo enterprise (exports 100 × rate 10.5 = 1050 yuan),
    the round closed and calculated by the demo admin."""
    gz, rid = program["tenant"], program["round"]
    enterprise = await owner.fetchval(
        'SELECT m.enterprise FROM membership m JOIN pz_user u ON u.id = m."user" WHERE u.email = $1 AND m.tenant_id = $2',
        demo("enterprise", "guangzhou"),
        gz,
    )
    name, district = await owner.fetchrow("SELECT name, district_code FROM enterprise WHERE id = $1", enterprise)
    application, nothing = await factories.funding_applications(  # the second claims nothing: no ledger entry
        "guangzhou",
        program["program"],
        program["version"],
        rid,
        [
            verified(enterprise, name, {"exports": exports}, district_code=district, score=Decimal(0))
            for exports in ("100", "0")
        ],
    )
    await owner.execute("UPDATE round SET status = 'closed' WHERE id = $1", rid)
    base = f"{GZ}/funding/rounds/{rid}"
    assert (await admin_gz.post(f"{base}/calculate", follow_redirects=False)).status_code == 303
    calc = await owner.fetchval("SELECT id FROM calculation WHERE round = $1", rid)
    for _ in range(600):
        if await owner.fetchval("SELECT status FROM calculation WHERE id = $1", calc) == "calculated":
            break
        await asyncio.sleep(0.1)
    else:
        pytest.fail("the calculation did not finish")
    yield {**program, "application": application, "nothing": nothing, "calculation": calc, "base": base}
    await owner.execute(
        "DELETE FROM notice WHERE kind = 'award' AND submission IN (SELECT application FROM ledger_entry WHERE program = $1)",
        program["program"],
    )


async def test_the_admin_who_started_is_told_who_approves(app, admin_gz, as_user, owner, calculated) -> None:
    base, calc = calculated["base"], calculated["calculation"]
    second = demo("admin2", "guangzhou")
    name = await owner.fetchval("SELECT display_name FROM pz_user WHERE email = $1", second)
    assert name.endswith("管理员二（演示）")  # seeded with the demo accounts

    page = await admin_gz.get(base)
    assert page.status_code == 200
    assert APPROVE not in page.text  # no button that can only end in a 403
    assert "本次测算由您发起" in page.text and "可审批人" in page.text
    listed = page.text.split('id="approvers"', 1)[1].split("</section>", 1)[0]
    assert name in listed and second in listed
    assert demo("admin", "guangzhou") not in listed  # the starter is not among who may approve
    assert demo("admin", "foshan") not in listed  # another city's admin neither
    refused = await admin_gz.post(f"{base}/calculations/{calc}/approve", follow_redirects=False)
    assert refused.status_code == 403  # the rule itself stays on the server

    async with as_user(demo("reviewer", "guangzhou")) as reviewer:
        seen = await reviewer.get(base)
        assert APPROVE not in seen.text and name in seen.text and "本次测算由您发起" not in seen.text

    async with as_user(second) as other:
        theirs = await other.get(base)
        assert APPROVE in theirs.text and 'id="approvers"' not in theirs.text
        done = await other.post(f"{base}/calculations/{calc}/approve", follow_redirects=False)
        assert done.status_code == 303
    assert await owner.fetchval("SELECT status FROM calculation WHERE id = $1", calc) == "approved"
    assert 'id="approvers"' not in (await admin_gz.get(base)).text


async def test_the_applicant_sees_award_notice_objections_and_payments(
    app, admin_gz, as_user, owner, calculated
) -> None:
    url = f"{GZ}/funding/applications/{calculated['application']}"
    async with as_user(demo("enterprise", "guangzhou")) as enterprise:
        before = await enterprise.get(url)
        assert before.status_code == 200 and 'id="outcome"' not in before.text  # calculated, not approved
        nothing = await enterprise.get(f"{GZ}/funding/applications/{calculated['nothing']}")
        assert 'id="outcome"' not in nothing.text

        async with as_user(demo("admin2", "guangzhou")) as second:
            ok = await second.post(
                f"{calculated['base']}/calculations/{calculated['calculation']}/approve",
                follow_redirects=False,
            )
            assert ok.status_code == 303
        entry = await owner.fetchrow(
            "SELECT id, notice_until FROM ledger_entry JOIN (SELECT submission AS application, notice_until FROM notice WHERE kind = 'award') n USING (application) WHERE application = $1", calculated["application"]
        )
        local_end = entry["notice_until"].astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")

        page = (await enterprise.get(url)).text
        outcome = page.split('id="outcome"', 1)[1].split("</section>", 1)[0]
        assert "扶持结果" in outcome and "核定金额" in outcome
        assert re.search(r'id="outcome-awarded">1,050\.00 元<', outcome)
        assert re.search(r'id="outcome-status">公示中<', outcome)
        assert local_end in outcome  # the notice's end in Asia/Shanghai
        assert "公示期内无异议" in outcome and "尚未拨付" in outcome
        # how the award was calculated, in words (the calculation's steps), without formula source
        steps = outcome.split('id="outcome-words"', 1)[1].split("</details>", 1)[0]
        assert "核定金额的计算过程" in steps and "<li>年度跨境出口额：100.00 元</li>" in steps
        assert "<li>参数 rate：10.5</li>" in steps and "<li>测算金额：1,050.00 元</li>" in steps
        assert "exports" not in steps and "的取值" not in steps
        # the application that claimed nothing says so once the results are approved
        none = (await enterprise.get(f"{GZ}/funding/applications/{calculated['nothing']}")).text
        assert "本批次测算结果已审批：本申请未获核定扶持资金。" in none and "<li>测算金额：0.00 元</li>" in none

        # someone objects; the bureau dismisses it with a note: the applicant sees the outcome, not who objected
        async with AsyncTestClient(app=app, base_url="http://testserver.local") as public:
            token = await csrf_of(public)
            raised = await public.post(
                f"{GZ}/funding/notices/{entry['id']}/objections",
                data={"csrf_token": token, "name": "王五", "contact": "13800000001", "reason": "出口额存疑"},
                follow_redirects=False,
            )
            assert raised.status_code == 303
        paused = (await enterprise.get(url)).text
        assert re.search(r'id="outcome-status">异议处理中，暂停拨付<', paused)
        assert "异议处理中" in paused.split('id="outcome-objections"', 1)[1]
        objection = await owner.fetchval("SELECT o.id FROM objection o JOIN notice n ON n.id = o.notice JOIN ledger_entry e ON e.application = n.submission AND n.kind = 'award' WHERE e.id = $1", entry["id"])
        resolved = await admin_gz.post(
            f"{GZ}/funding/notices/objections/{objection}/resolve",
            data={"decision": "dismissed", "note": "经核实出口数据无误"},
            follow_redirects=False,
        )
        assert resolved.status_code == 303
        after = (await enterprise.get(url)).text.split('id="outcome"', 1)[1].split("</section>", 1)[0]
        assert "异议不成立" in after and "经核实出口数据无误" in after
        assert "13800000001" not in after and "王五" not in after

        # the notice ends; two payments: each with its date, amount and voucher
        await owner.execute(
            "UPDATE notice SET notice_until = now() - interval '1 minute' WHERE kind = 'award' AND submission IN (SELECT application FROM ledger_entry WHERE id = $1)", entry["id"]
        )
        pay = f"{calculated['base']}/ledger/{entry['id']}/payments"
        for amount, voucher, day in (("1000", "PZ-OUT-1", "2026-11-30"), ("50.00", "PZ-OUT-2", "2026-12-01")):
            paid = await admin_gz.post(
                pay, data={"amount": amount, "voucher": voucher, "paid_on": day}, follow_redirects=False
            )
            assert paid.status_code == 303, paid.text[:300]
        final = (await enterprise.get(url)).text.split('id="outcome"', 1)[1].split("</section>", 1)[0]
        rows = re.findall(
            r"<tr><td><time[^>]*>([^<]+)</time></td><td>([^<]+)</td><td>([^<]+)</td></tr>", final
        )
        assert rows == [("2026-11-30", "1,000.00 元", "PZ-OUT-1"), ("2026-12-01", "50.00 元", "PZ-OUT-2")]
        assert re.search(r'id="outcome-paid">1,050\.00 元<', final)
