"""Trade facts in formulas: a regular naming, the calculation takes the official figure where there is
one and the declared input otherwise, the explanation says where each number came from, the builder
offers the facts, and the cities' export rewards name them."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import asyncpg
import pytest
from tests import factories
from tests.integration.funding.steps import verified

from pilotzone.funding.explain import words
from pilotzone.funding.program_spec import from_stored
from pilotzone.funding.programs import ProgramError, check, compiled
from pilotzone.funding.programs import parse as parse_programs
from pilotzone.trade.codes import Source
from pilotzone.trade.facts import TRADE_FACTS, trade_facts
from pilotzone.web.deadlines import tenant_today

ROOT = Path(__file__).resolve().parents[3]
LAST = tenant_today().year - 1  # a round opening this year: "last_year" is the year before
SPEC = {
    "key": "trade-fact-reward",
    "subject": "enterprise",
    "name_zh": "贸易数据测试奖励",
    "name_en": "Trade fact reward",
    "inputs": [{"key": "exports", "type": "amount", "label_zh": "上年 9610 出口额", "label_en": "9610 exports",
                "min": "0"}],
    "formula": "coalesce(official_export_9610_last_year, exports) * rate",
    "constants": {"rate": "0.01"},
    "stages": ["bureau_reviewer", "bureau_admin"],
}


def test_the_names_are_regular() -> None:
    for name in ("official_export_9610_last_year", "official_export_last_year", "declared_export_last_year",
                 "official_export_9810_last_year", "official_import_1210_this_year", "reported_export_this_year"):
        assert name in TRADE_FACTS
    for name in ("official_export_1239_last_year", "official_import_9710_last_year", "official_9610_last_year"):
        assert name not in TRADE_FACTS  # a combination that does not exist, a name without direction
    fact = TRADE_FACTS["official_export_9610_last_year"]
    assert fact.label(True, 2025) == "官方数据（单一窗口）2025 年 9610 出口"
    assert fact.label(False, 2025) == "official data (single window) 9610 exports 2025"


def test_the_cities_export_rewards_name_official_figures() -> None:
    for slug in ("guangzhou", "foshan", "shantou"):
        specs = parse_programs(ROOT / "tenants" / slug / "programs.toml", {"demo-park", "overseas-warehouse", "talent",
                                                                           "demo-enterprise", "brand"})
        reward = next(s for s in specs if s.key == "export-reward")
        assert "official_export_this_year" in check(reward, set(), slug).trade_names, slug
    spec = from_stored({**SPEC, "inputs": [{**SPEC["inputs"][0], "key": "official_export_last_year"}]})
    with pytest.raises(ProgramError, match="trade fact"):
        check(spec, set(), "programs[0]")


@pytest.fixture
async def calculated(owner: asyncpg.Connection, admin_gz, worker) -> dict:  # type: ignore[no-untyped-def]
    """A round of ``SPEC`` (opened yesterday) with two verified applications: ``official`` has 2025 9610
    export figures (two countries; a 9710 figure, a figure of this year and a declared one beside them),
    ``declared`` has none; calculated on the real broker."""
    made = await factories.program("guangzhou", factories.unique("trade-fact"), spec=SPEC)
    today = tenant_today()
    rnd = await factories.funding_round("guangzhou", made, budget=Decimal("10000000"),
                                        opens_at=today - timedelta(days=1), closes_at=today)
    official = await factories.enterprise("guangzhou", name=factories.unique("官方数据企业"))
    declared = await factories.enterprise("guangzhou", name=factories.unique("申报数据企业"))
    await factories.trade_figures("guangzhou", Source.OFFICIAL, [
        (official.uscc, f"{LAST}-03", "9610", "export", "US", "1000000"),
        (official.uscc, f"{LAST}-11", "9610", "export", "DE", "234567"),
        (official.uscc, f"{LAST}-11", "9710", "export", "DE", "999"),
        (official.uscc, f"{LAST + 1}-01", "9610", "export", "US", "777"),
    ])
    await factories.trade_figures("guangzhou", Source.RETURN, [(official.uscc, f"{LAST}-03", "9610", "export", "US", "5")])
    await factories.funding_applications("guangzhou", made.id, made.current_version, rnd.id, [
        verified(official.id, official.name, {"exports": "500000"}),
        verified(declared.id, declared.name, {"exports": "500000"}),
    ])
    await owner.execute("UPDATE round SET status = 'closed' WHERE id = $1", rnd.id)
    started = await admin_gz.post(f"/z/guangzhou/funding/rounds/{rnd.id}/calculate", follow_redirects=False)
    assert started.status_code == 303, started.text[:300]
    for _ in range(600):
        calc = await owner.fetchrow("SELECT id, status FROM calculation WHERE round = $1", rnd.id)
        if calc["status"] != "running":
            break
        await asyncio.sleep(0.1)
    assert calc["status"] == "calculated"
    yield {"calculation": calc["id"], "official": official, "declared": declared}
    ents = [official.id, declared.id]
    for sql, arg in (
        ("DELETE FROM calculation_result WHERE calculation IN (SELECT id FROM calculation WHERE round = $1)", rnd.id),
        ("DELETE FROM calculation WHERE round = $1", rnd.id),
        ("DELETE FROM submission WHERE id IN (SELECT id FROM funding_application WHERE round = $1)", rnd.id),
        ("UPDATE program SET current_version = NULL WHERE id = $1", made.id),
        ("DELETE FROM round WHERE program = $1", made.id),
        ("DELETE FROM program_version WHERE program = $1", made.id),
        ("DELETE FROM program WHERE id = $1", made.id),
        ("DELETE FROM trade_figure WHERE enterprise = ANY($1::int[])", ents),
        ("DELETE FROM enterprise WHERE id = ANY($1::int[])", ents),
    ):
        await owner.execute(sql, arg)


async def test_the_calculation_takes_the_official_figure_else_the_declared_one(
    owner: asyncpg.Connection, calculated: dict, admin_gz
) -> None:
    import json

    rows = {
        r["subject_id"]: r
        for r in await owner.fetch(
            "SELECT s.subject_id, r.claim, r.explanation FROM calculation_result r JOIN submission s "
            "ON s.id = r.application WHERE r.calculation = $1", calculated["calculation"],
        )
    }
    official, declared = rows[calculated["official"].id], rows[calculated["declared"].id]
    assert official["claim"] == Decimal("12345.67")  # 1,234,567.00 × 0.01: only 9610 exports of last year
    assert declared["claim"] == Decimal("5000.00")  # no official figure: the declared 500,000
    steps = json.loads(official["explanation"])
    fact = next(s for s in steps if s["expr"] == "official_export_9610_last_year")
    assert fact["value"] == "1234567.00" and fact["note_zh"] == f"官方数据（单一窗口）{LAST} 年 9610 出口"
    assert fact["args"] == {"name": "official_export_9610_last_year", "trade": "official", "year": str(LAST)}
    said = words(steps, from_stored(SPEC), "zh_CN")
    assert f"官方数据（单一窗口）{LAST} 年 9610 出口 1,234,567.00 元" in said
    assert "采用第一项（不为 0）：1,234,567.00 元" in said
    fallback = words(json.loads(declared["explanation"]), from_stored(SPEC), "zh_CN")
    assert f"官方数据（单一窗口）{LAST} 年 9610 出口 0.00 元" in fallback
    assert "第一项为 0，采用后一项：500,000.00 元" in fallback
    assert "上年 9610 出口额：500,000.00 元" in fallback  # the declared input by its label
    async with factories.acting_in("guangzhou"):
        facts = (await trade_facts([calculated["official"].id], LAST + 1))[calculated["official"].id]
    assert facts.value("declared_export_last_year") == Decimal("5.00")
    assert facts.value("official_export_last_year") == Decimal("1235566.00")  # every mode
    assert facts.value("official_export_this_year") == Decimal("777.00")
    async with factories.acting_in("foshan"):  # RLS: another city reads no figure of it
        assert (await trade_facts([calculated["official"].id], LAST + 1))[calculated["official"].id].sums == {}
    # the application's estimate (what the applicant and staff read) says the same
    application = await owner.fetchval(
        "SELECT id FROM submission WHERE kind = 'funding' AND subject_id = $1", calculated["official"].id
    )
    page = (await admin_gz.get(f"/z/guangzhou/funding/applications/{application}")).text
    assert f"<li>官方数据（单一窗口）{LAST} 年 9610 出口 1,234,567.00 元</li>" in page
    assert '<strong id="estimate">12,345.67 元</strong>' in page
    version = compiled({"id": -1, "spec": SPEC})
    assert version.evaluate({"exports": Decimal(7)}, None).amount == Decimal("0.07")  # no subject: facts are 0


async def test_the_builder_offers_the_trade_facts(admin_gz) -> None:  # type: ignore[no-untyped-def]
    page = await admin_gz.get("/z/guangzhou/programs/new")
    assert page.status_code == 200
    assert "<code>official_export_9610_last_year</code> 官方数据（单一窗口）上年 9610 出口" in page.text
    assert "<code>declared_export_last_year</code>" in page.text and "coalesce" in page.text
