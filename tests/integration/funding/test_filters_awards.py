"""Filters of the award and payment lists: state as it stands (a notice whose end has passed is
awarded), program, round, district, dates, awardee's name or credit code; scope; a wrong value is a
field error."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg
import pytest
from tests import factories
from tests.support import demo

AWARDS = "/z/guangzhou/funding/awards"
PAYMENTS = "/z/guangzhou/funding/payments"


@pytest.fixture
async def awarded(owner: asyncpg.Connection) -> AsyncIterator[dict]:
    marker = factories.unique("资金筛选")
    one = await factories.enterprise("guangzhou", name=f"{marker}甲", district_code="440103")
    two = await factories.enterprise("guangzhou", name=f"{marker}乙", district_code="440104")
    p1 = await factories.program("guangzhou", name_zh=f"{marker}项目一")
    p2 = await factories.program("guangzhou", name_zh=f"{marker}项目二")
    r1 = await factories.funding_round("guangzhou", p1)
    r2 = await factories.funding_round("guangzhou", p2)
    c1 = await factories.calculation("guangzhou", r1.id)
    c2 = await factories.calculation("guangzhou", r2.id)
    entries, made = [], {}
    for name, program, rnd, calc, who, values in (
        ("W1", p1, r1, c1, one, {}),  # awarded
        ("W2", p2, r2, c2, two, {"status": "notice", "notice_until": datetime.now(UTC) + timedelta(days=5)}),
        ("W3", p1, r1, c1, two, {"status": "revoked"}),
    ):
        app = await factories.funding_application(
            "guangzhou",
            program.id,
            program.current_version,
            rnd.id,
            who.id,
            status="verified",
            subject_label=f"{marker}-{name}",
            district_code=who.district_code,
        )
        entry = await factories.ledger_entry(
            "guangzhou", program.id, rnd.id, calc.id, app.id, subject_label=f"{marker}-{name}", **values
        )
        entries.append(entry.id)
        made[name] = entry
    await factories.payment("guangzhou", made["W1"].id, Decimal("40"), date(2026, 10, 1), voucher=f"{marker}-V1")
    await factories.payment("guangzhou", made["W1"].id, Decimal("10"), date(2026, 11, 5), voucher=f"{marker}-V2")
    yield {"marker": marker, "one": one, "p1": p1, "r2": r2}
    await owner.execute("DELETE FROM payment WHERE entry = ANY($1::int[])", entries)
    await owner.execute("DELETE FROM ledger_entry WHERE id = ANY($1::int[])", entries)
    await owner.execute("DELETE FROM calculation WHERE id = ANY($1::int[])", [c1.id, c2.id])
    await owner.execute("DELETE FROM submission WHERE subject_label LIKE $1", f"{marker}%")
    await owner.execute("DELETE FROM round WHERE id = ANY($1::int[])", [r1.id, r2.id])
    await owner.execute("UPDATE program SET current_version = NULL WHERE id = ANY($1::int[])", [p1.id, p2.id])
    await owner.execute("DELETE FROM program_version WHERE program = ANY($1::int[])", [p1.id, p2.id])
    await owner.execute("DELETE FROM program WHERE id = ANY($1::int[])", [p1.id, p2.id])
    await owner.execute("DELETE FROM enterprise WHERE id = ANY($1::int[])", [one.id, two.id])


def shown(text: str, marker: str, names: tuple[str, ...]) -> set[str]:
    return {n for n in names if f"{marker}-{n}<" in text}


async def test_award_and_payment_filters(as_user, awarded) -> None:
    m = awarded["marker"]
    ws = ("W1", "W2", "W3")
    async with as_user(demo("admin", "guangzhou")) as client:
        for params, expected in [
            ({"q": m}, {"W1", "W2", "W3"}),
            ({"q": m, "state": "awarded"}, {"W1"}),
            ({"q": m, "state": "notice"}, {"W2"}),
            ({"q": m, "state": "revoked"}, {"W3"}),
            ({"q": m, "kind": awarded["p1"].key}, {"W1", "W3"}),
            ({"q": m, "round": str(awarded["r2"].id)}, {"W2"}),
            ({"q": m, "district": "440104"}, {"W2", "W3"}),
            ({"q": awarded["one"].uscc}, {"W1"}),
        ]:
            page = await client.get(AWARDS, params=params)
            assert page.status_code == 200, params
            assert shown(page.text, m, ws) == expected, params
        page = await client.get(AWARDS, params={"q": m, "state": "awarded"})
        assert "已核定" in page.text and "100.00 元" in page.text
        for params, expected in [
            ({"q": m}, {"V1", "V2"}),
            ({"q": m, "since": "2026-11-01"}, {"V2"}),
            ({"q": m, "until": "2026-10-31"}, {"V1"}),
            ({"q": m, "district": "440104"}, set()),
        ]:
            page = await client.get(PAYMENTS, params=params)
            assert page.status_code == 200, params
            assert shown(page.text, m, ("V1", "V2")) == expected, params
        bad = await client.get(AWARDS, params={"q": m, "state": "paid"})
        assert bad.status_code == 400 and "请从选项中选择" in bad.text
        bad_date = await client.get(PAYMENTS, params={"q": m, "until": "yesterday"})
        assert bad_date.status_code == 400 and "YYYY-MM-DD" in bad_date.text
    async with as_user(demo("enterprise", "guangzhou")) as client:
        assert shown((await client.get(AWARDS, params={"q": m})).text, m, ws) == set()
