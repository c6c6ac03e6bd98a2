"""A monthly return through every transition: start, save, submit (receipt), return with reasons,
correct and resubmit, accept (the figures are written with source ``return``); who may do what; the
messages the enterprise gets; late marking."""

from __future__ import annotations

from decimal import Decimal

import asyncpg
from tests.integration.trade.returns.steps import GZ, US_9610, form, months_ago, start

from pilotzone.trade.return_dates import due_on
from pilotzone.web.deadlines import tenant_today


async def _state(owner: asyncpg.Connection, return_id: int) -> str:
    return await owner.fetchval("SELECT status FROM submission WHERE id = $1", return_id)


async def _messages(owner: asyncpg.Connection, user: int, event: str) -> int:
    return await owner.fetchval("SELECT count(*) FROM notify_message WHERE recipient = $1 AND event = $2", user, event)


async def test_file_return_correct_and_accept(firm, admin_gz, reviewer_gz, owner: asyncpg.Connection) -> None:  # type: ignore[no-untyped-def]
    period = months_ago(0)
    rid = await start(firm.client, period)
    assert await start(firm.client, period) == rid  # one return per enterprise and month
    page = await firm.client.get(f"{GZ}/returns/{rid}")
    assert page.status_code == 200 and 'name="lines-0-mode"' in page.text

    saved = await firm.client.post(f"{GZ}/returns/{rid}/save", data=form(US_9610), follow_redirects=False)
    assert saved.status_code == 303 and await _state(owner, rid) == "draft"
    assert "12345.67" in (await firm.client.get(f"{GZ}/returns/{rid}")).text  # the draft keeps what was typed

    sent = await firm.client.post(f"{GZ}/returns/{rid}/submit", data=form(US_9610), follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"].endswith("?receipt=submitted")
    receipt = await firm.client.get(sent.headers["location"])
    assert 'id="receipt-reference"' in receipt.text and "YB-" in receipt.text
    assert await _state(owner, rid) == "submitted"
    late = tenant_today() > due_on(period, 10)
    assert await owner.fetchval("SELECT late FROM trade_return WHERE id = $1", rid) is late
    assert await owner.fetchval("SELECT count(*) FROM trade_return_line WHERE trade_return = $1", rid) == 1
    again = await firm.client.post(f"{GZ}/returns/{rid}/submit", data=form(US_9610), follow_redirects=False)
    assert again.status_code == 409  # submitted: nothing to submit again

    # the bureau's queue lists it; the enterprise may not decide, the bureau may not submit
    assert f"/returns/{rid}" in (await reviewer_gz.get(f"{GZ}/returns/queue")).text
    assert (await firm.client.post(f"{GZ}/returns/{rid}/accept", follow_redirects=False)).status_code == 403
    assert (await admin_gz.post(f"{GZ}/returns/{rid}/submit", data=form(US_9610), follow_redirects=False)).status_code == 403

    # returned with reasons (required)
    bare = await reviewer_gz.post(f"{GZ}/returns/{rid}/return", data={"reasons": " "}, follow_redirects=False)
    assert bare.status_code == 400 and 'id="reasons-error"' in bare.text and await _state(owner, rid) == "submitted"
    back = await reviewer_gz.post(f"{GZ}/returns/{rid}/return", data={"reasons": "美国订单数与包裹数不符"}, follow_redirects=False)
    assert back.status_code == 303 and await _state(owner, rid) == "returned"
    assert await _messages(owner, firm.user, "return_returned") == 1
    shown = await firm.client.get(f"{GZ}/returns/{rid}")
    assert "美国订单数与包裹数不符" in shown.text and 'id="return-reasons"' in shown.text
    assert (await reviewer_gz.post(f"{GZ}/returns/{rid}/accept", follow_redirects=False)).status_code == 409

    # corrected and resubmitted, then accepted: the figures are the return's
    fixed = ("9610", "export", "US", "12345.67", "30", "30")
    resent = await firm.client.post(
        f"{GZ}/returns/{rid}/submit", data=form(fixed, ("1210", "import", "日本", "500", "5", "5")), follow_redirects=False
    )
    assert resent.status_code == 303 and await _state(owner, rid) == "submitted"
    accepted = await admin_gz.post(f"{GZ}/returns/{rid}/accept", follow_redirects=False)
    assert accepted.status_code == 303 and accepted.headers["location"].endswith("?receipt=decided")
    assert "SH-" in (await admin_gz.get(accepted.headers["location"])).text
    assert await _state(owner, rid) == "accepted"
    figures = await owner.fetch(
        "SELECT mode, direction, country, value_cny, orders, parcels, source FROM trade_figure WHERE enterprise = $1 ORDER BY mode",
        firm.id,
    )
    assert [tuple(r) for r in figures] == [
        ("1210", "import", "JP", Decimal("500.00"), 5, 5, "return"),
        ("9610", "export", "US", Decimal("12345.67"), 30, 30, "return"),
    ]
    batch = await owner.fetchrow("SELECT source, submission, inserted, status FROM trade_batch WHERE submission = $1", rid)
    assert tuple(batch) == ("return", rid, 2, "done")
    assert await _messages(owner, firm.user, "return_accepted") == 1
    assert (await admin_gz.post(f"{GZ}/returns/{rid}/accept", follow_redirects=False)).status_code == 409
    history = await owner.fetch("SELECT new_value FROM submission_change WHERE submission = $1 AND field_key = 'status' ORDER BY id", rid)
    assert [r[0] for r in history] == ["draft", "submitted", "returned", "submitted", "accepted"]


async def test_late_marking(firm, owner: asyncpg.Connection) -> None:  # type: ignore[no-untyped-def]
    rid = await start(firm.client, months_ago(3))  # its deadline passed months ago
    sent = await firm.client.post(f"{GZ}/returns/{rid}/submit", data=form(US_9610), follow_redirects=False)
    assert sent.status_code == 303
    assert await owner.fetchval("SELECT late FROM trade_return WHERE id = $1", rid) is True
    assert 'id="late"' in (await firm.client.get(f"{GZ}/returns/{rid}")).text
    listed = await firm.client.get(f"{GZ}/returns/")
    assert listed.status_code == 200 and f"/returns/{rid}" in listed.text


async def test_months_that_cannot_be_filed_and_other_peoples_returns(firms, admin_fs, owner: asyncpg.Connection) -> None:  # type: ignore[no-untyped-def]
    from pilotzone.trade.return_dates import month_of, period_text

    mine, other = await firms(), await firms()
    this_month = period_text(month_of(tenant_today()))
    refused = await mine.client.post(f"{GZ}/returns/", data={"period": this_month}, follow_redirects=False)
    assert refused.status_code == 400 and 'id="period-error"' in refused.text
    assert (await mine.client.post(f"{GZ}/returns/", data={"period": "2026-13"}, follow_redirects=False)).status_code == 400
    rid = await start(mine.client, months_ago(1))
    assert (await other.client.get(f"{GZ}/returns/{rid}")).status_code == 404  # another enterprise's
    assert (await other.client.post(f"{GZ}/returns/{rid}/save", data=form(US_9610))).status_code == 404
    assert (await admin_fs.get(f"/z/foshan/returns/{rid}")).status_code == 404  # another city's (RLS)
    assert await owner.fetchval("SELECT count(*) FROM trade_return WHERE enterprise = $1", mine.id) == 1
    from tests import factories

    from pilotzone.trade.tables import TradeReturn

    async with factories.acting_in("foshan"):  # RLS: another city's transaction sees none of it
        assert await TradeReturn.count().where(TradeReturn.id == rid) == 0
    async with factories.acting_in("guangzhou"):
        assert await TradeReturn.count().where(TradeReturn.id == rid) == 1
