"""Issue 11, items 6 and 7: a program (and a scheme) states one unit for its amounts; every amount input
shows it, the formula still works in yuan (8,000 万元 is 80,000,000 to the formula), and the applicant
reads the explanation in words with labels and formatted amounts while staff also see the formula."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal

import asyncpg
import pytest
from tests import factories
from tests.support import demo

from pilotzone.web.deadlines import tenant_today

GZ = "/z/guangzhou"
SPEC = {  # like guangzhou's export reward: declared in 万元, thresholds and amounts in 元
    "key": "test-wan-reward",
    "subject": "enterprise",
    "name_zh": "万元测试奖励",
    "name_en": "Test reward in 10k yuan",
    "unit": "万元",
    "inputs": [{"key": "exports", "type": "amount", "label_zh": "当年出口额", "label_en": "Exports this year",
                "min": "0"}],
    "eligibility": [{"kind": "input", "expr": "exports >= 10_000_000", "message_zh": "当年出口额不低于 1000 万元",
                     "message_en": "Exports of at least CNY 10 million"}],
    "formula": "tier(exports, [[10_000_000, 100_000], [50_000_000, 300_000]])",
    "stages": ["bureau_reviewer", "bureau_admin"],
}


@pytest.fixture
async def wan(owner: asyncpg.Connection, tenants: dict) -> AsyncIterator[dict]:
    """The program ``SPEC`` (amounts in 万元) with an open round; afterwards it goes with its applications."""
    gz = tenants["guangzhou"]
    made = await factories.program(
        "guangzhou", SPEC["key"], spec=SPEC, example_parameters=True, name_zh=SPEC["name_zh"],
        name_en=SPEC["name_en"], source="file",
    )
    today = tenant_today()
    round_ = await factories.funding_round(
        "guangzhou", made, key="2026", name_zh="2026年度", name_en="2026", budget=Decimal("1000000"),
        opens_at=today - timedelta(days=1), closes_at=today + timedelta(days=30),
    )
    pid, rid = made.id, round_.id
    enterprise = await owner.fetchval(
        'SELECT m.enterprise FROM membership m JOIN pz_user u ON u.id = m."user" WHERE u.email = $1 AND m.tenant_id = $2',
        demo("enterprise", "guangzhou"), gz,
    )
    yield {"round": rid, "enterprise": enterprise}
    for sql in (
        "DELETE FROM submission WHERE id IN (SELECT id FROM funding_application WHERE program = $1)",
        "UPDATE program SET current_version = NULL WHERE id = $1",
        "DELETE FROM round WHERE program = $1",
        "DELETE FROM program_version WHERE program = $1",
        "DELETE FROM program WHERE id = $1",
    ):
        await owner.execute(sql, pid)


async def test_amounts_in_the_programs_unit_are_said_and_evaluated_in_yuan(as_user, wan) -> None:
    async with as_user(demo("enterprise", "guangzhou")) as client:
        created = await client.post(
            f"{GZ}/funding/applications/",
            data={"round": str(wan["round"]), "subject_id": str(wan["enterprise"])},
            follow_redirects=False,
        )
        assert created.status_code == 303, created.text[:300]
        url = created.headers["location"]
        # the clerk types 8000 meaning 8,000 万元: the unit is next to the input, and it counts as 万元
        saved = await client.post(f"{url}/save", data={"exports": "8000"}, follow_redirects=False)
        assert saved.status_code == 303
        page = (await client.get(url)).text
        assert re.search(r'<input id="f-exports" name="exports"[^>]*aria-describedby="f-exports-unit"', page)
        assert '<span class="unit" id="f-exports-unit">万元</span>' in page
        assert '<strong id="estimate">300,000.00 元</strong>' in page  # 80,000,000 yuan ≥ 50,000,000: tier 300,000
        assert "不符合条件" not in page
        words = page.split('id="estimate-words"', 1)[1].split("</ol>", 1)[0]
        assert "<li>当年出口额：8,000 万元</li>" in words
        assert "<li>当年出口额 8,000 万元，达到 5,000 万元 这一档，对应档位奖励 30 万元</li>" in words
        assert "<li>符合：当年出口额不低于 1000 万元</li>" in words and "<li>测算金额：30 万元</li>" in words
        # no formula source for the enterprise
        assert "tier(" not in page and "exports =" not in page and "的取值" not in page
        assert 'id="estimate-formula"' not in page

        english = (await client.get(url, cookies={"lang": "en"})).text
        assert "<li>Exports this year: 8,000 × 10,000 yuan</li>" in english
        assert '<span class="unit" id="f-exports-unit">× 10,000 yuan</span>' in english

    async with as_user(demo("reviewer", "guangzhou")) as staff:
        seen = (await staff.get(url)).text
        formula = seen.split('id="estimate-formula"', 1)[1].split("</details>", 1)[0]
        # staff see the formula too: in yuan, with what was declared
        assert "exports = 80000000（exports 的取值，申报 8000 万元，折合元）" in formula
        assert "tier(exports, [[10_000_000, 100_000], [50_000_000, 300_000]]) = 300000" in formula
        assert "当年出口额 8,000 万元，达到 5,000 万元 这一档" in seen  # and the words

    async with as_user(demo("enterprise", "guangzhou")) as client:
        # 800 万元 is below the threshold: the reason names it in 万元
        await client.post(f"{url}/save", data={"exports": "800"}, follow_redirects=False)
        below = (await client.get(url)).text
        assert "按申报内容，本申请不符合条件。" in below and "<li>不符合：当年出口额不低于 1000 万元</li>" in below


async def test_the_builder_refuses_a_second_unit(admin_gz) -> None:
    form = {
        "key": "test-two-units", "subject": "enterprise", "name_zh": "两种单位", "name_en": "Two units",
        "formula": "exports", "unit": "万元", "allocation": "pro_rata",
        "stages-0-role": "bureau_reviewer", "stages-1-role": "bureau_admin",
        "inputs-0-key": "exports", "inputs-0-type": "decimal", "inputs-0-label_zh": "出口额",
        "inputs-0-label_en": "Exports", "inputs-0-unit": "元",
    }
    refused = await admin_gz.post(f"{GZ}/programs/", data=form, follow_redirects=False)
    assert refused.status_code == 400, refused.text[:200]
    assert '<p id="inputs-0-type-error" class="field-error" role="alert">金钱应使用“金额”类型' in refused.text
    form["inputs-0-type"] = "amount"
    again = await admin_gz.post(f"{GZ}/programs/", data=form, follow_redirects=False)
    assert again.status_code == 400
    assert '<p id="inputs-0-unit-error" class="field-error" role="alert">金额按本项目的单位（见上文）申报' in again.text


async def test_the_certification_form_shows_the_schemes_unit(as_user, owner, tenants) -> None:
    gz = tenants["guangzhou"]
    enterprise = await owner.fetchval(
        'SELECT m.enterprise FROM membership m JOIN pz_user u ON u.id = m."user" WHERE u.email = $1 AND m.tenant_id = $2',
        demo("enterprise", "guangzhou"), gz,
    )
    async with as_user(demo("enterprise", "guangzhou")) as client:
        created = await client.post(
            f"{GZ}/applications/", data={"scheme": "demo-enterprise", "subject_id": str(enterprise)},
            follow_redirects=False,
        )
        assert created.status_code == 303, created.text[:300]
        try:
            page = (await client.get(created.headers["location"])).text
            assert '<span class="unit" id="f-last_year_exports-unit">万元</span>' in page
            # the label states the scheme's unit (one convention per scheme, said on its form)
            assert re.search(r'<label for="f-last_year_exports">上年度跨境电商出口额（万元） ?<', page)
        finally:
            await owner.execute("DELETE FROM submission WHERE id = $1",
                                int(created.headers["location"].rsplit("/", 1)[1]))
