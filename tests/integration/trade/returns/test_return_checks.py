"""The checks of a submitted return, each on its own: the form re-renders (400) with the error at its
field and nothing is submitted; warehouse fields where the enterprise runs an overseas warehouse; a
jump over ten times the last six months asks for confirmation."""

from __future__ import annotations

from decimal import Decimal

import asyncpg
import pytest
from tests.integration.trade.returns.steps import GZ, US_9610, form, months_ago, start

BAD_LINES = [
    (("9610", "export", "US", "-1", "1", "1"), "lines-0-value_cny"),  # negative
    (("9610", "export", "US", "1.005", "1", "1"), "lines-0-value_cny"),  # three decimals
    (("9610", "export", "US", "abc", "1", "1"), "lines-0-value_cny"),
    (("9710", "import", "US", "100", "1", "1"), "lines-0-direction"),  # 9710 is export only
    (("9999", "export", "US", "100", "1", "1"), "lines-0-mode"),
    (("9610", "export", "Atlantis", "100", "1", "1"), "lines-0-country"),
    (("9610", "export", "US", "100", "-3", "1"), "lines-0-orders"),
    (("9610", "export", "US", "100", "1", "2.5"), "lines-0-parcels"),
]


@pytest.mark.parametrize(("line", "field"), BAD_LINES)
async def test_each_line_rule(firm, owner: asyncpg.Connection, line: tuple, field: str) -> None:  # type: ignore[no-untyped-def]
    rid = await start(firm.client, months_ago(1))
    answer = await firm.client.post(f"{GZ}/returns/{rid}/submit", data=form(line), follow_redirects=False)
    assert answer.status_code == 400, answer.text[:300]
    assert f'id="{field}-error"' in answer.text
    assert await owner.fetchval("SELECT status FROM submission WHERE id = $1", rid) == "draft"
    assert await owner.fetchval("SELECT count(*) FROM trade_return_line WHERE trade_return = $1", rid) == 0


async def test_duplicate_key_and_header(firm, owner: asyncpg.Connection) -> None:  # type: ignore[no-untyped-def]
    rid = await start(firm.client, months_ago(1))
    twice = await firm.client.post(
        f"{GZ}/returns/{rid}/submit", data=form(US_9610, ("9610", "export", "美国", "1", "1", "1")), follow_redirects=False
    )
    assert twice.status_code == 400 and 'id="lines-1-country-error"' in twice.text
    for employees in ("", "-2", "3.5"):
        bad = await firm.client.post(f"{GZ}/returns/{rid}/submit", data=form(US_9610, employees=employees), follow_redirects=False)
        assert bad.status_code == 400 and 'id="employees-error"' in bad.text
    # a nil return (no lines) is a return too
    nil = await firm.client.post(f"{GZ}/returns/{rid}/submit", data=form(), follow_redirects=False)
    assert nil.status_code == 303 and await owner.fetchval("SELECT status FROM submission WHERE id = $1", rid) == "submitted"


async def test_warehouse_fields_only_where_one_runs(firms, owner: asyncpg.Connection) -> None:  # type: ignore[no-untyped-def]
    from tests import factories

    plain, runs = await firms(), await firms()
    await factories.warehouse("guangzhou", runs.id)
    rid = await start(plain.client, months_ago(1))
    page = await plain.client.get(f"{GZ}/returns/{rid}")
    assert 'name="warehouse_area"' not in page.text
    assert (await plain.client.post(f"{GZ}/returns/{rid}/submit", data=form(US_9610), follow_redirects=False)).status_code == 303

    wid = await start(runs.client, months_ago(1))
    assert 'name="warehouse_area"' in (await runs.client.get(f"{GZ}/returns/{wid}")).text
    missing = await runs.client.post(f"{GZ}/returns/{wid}/submit", data=form(US_9610), follow_redirects=False)
    assert missing.status_code == 400 and 'id="warehouse_area-error"' in missing.text
    over = form(US_9610, warehouse_area="800", warehouse_utilisation="120")
    assert 'id="warehouse_utilisation-error"' in (await runs.client.post(f"{GZ}/returns/{wid}/submit", data=over)).text
    good = form(US_9610, warehouse_area="800.5", warehouse_utilisation="87.5")
    assert (await runs.client.post(f"{GZ}/returns/{wid}/submit", data=good, follow_redirects=False)).status_code == 303
    row = await owner.fetchrow("SELECT warehouse_area, warehouse_utilisation FROM trade_return WHERE id = $1", wid)
    assert tuple(row) == (Decimal("800.50"), Decimal("87.50"))


async def test_a_jump_asks_for_confirmation(firm, owner: asyncpg.Connection) -> None:  # type: ignore[no-untyped-def]
    from tests import factories

    # six accepted months before: 9610 export averages 1,000 (one month of 6,000, five without 9610)
    for n in range(2, 8):
        lines = [("9610", "export", "US", Decimal("6000"), 1, 1)] if n == 2 else [("1210", "import", "JP", Decimal("10"), 1, 1)]
        await factories.trade_return("guangzhou", firm.id, months_ago(n), lines=lines)
    rid = await start(firm.client, months_ago(1))
    ten_times = form(("9610", "export", "US", "10000", "1", "1"))
    assert (await firm.client.post(f"{GZ}/returns/{rid}/submit", data=ten_times, follow_redirects=False)).status_code == 303
    await owner.execute("UPDATE submission SET status = 'returned' WHERE id = $1", rid)

    jump = form(("9610", "export", "US", "6000", "1", "1"), ("9610", "export", "DE", "4000.01", "1", "1"))
    asked = await firm.client.post(f"{GZ}/returns/{rid}/submit", data=jump, follow_redirects=False)
    assert asked.status_code == 400 and 'id="confirm-error"' in asked.text and 'id="jumps"' in asked.text
    assert await owner.fetchval("SELECT status FROM submission WHERE id = $1", rid) == "returned"
    confirmed = await firm.client.post(f"{GZ}/returns/{rid}/submit", data={**jump, "confirm": "1"}, follow_redirects=False)
    assert confirmed.status_code == 303
    assert await owner.fetchval("SELECT confirmed_jumps FROM trade_return WHERE id = $1", rid) is True


async def test_rows_added_and_removed_without_and_with_htmx(firm) -> None:  # type: ignore[no-untyped-def]
    rid = await start(firm.client, months_ago(1))
    added = await firm.client.post(f"{GZ}/returns/{rid}/save", data={**form(US_9610), "action": "add"})
    assert added.status_code == 200 and 'name="lines-1-mode"' in added.text and "<html" in added.text
    fragment = await firm.client.post(
        f"{GZ}/returns/{rid}/save", data={**form(US_9610, US_9610), "action": "remove:0"}, headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'id="return-lines"' in fragment.text and 'name="lines-1-mode"' not in fragment.text
