"""The bureau's view of a month: who filed on time, late, who is overdue, who never filed; the bulk
chase sends one message per enterprise user, once a day; the reminder before the deadline; the
workspaces' to-dos."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import asyncpg
from tests.integration.trade.returns.steps import GZ, months_ago

from pilotzone.trade.return_dates import due_on, period_text
from pilotzone.web.formats import TZ

LINE = [("9610", "export", "US", Decimal("100"), 1, 1)]


async def _arrange(firms):  # type: ignore[no-untyped-def]
    """Four enterprises for the month three months ago: filed on time, filed late, a draft only (and an
    earlier return), and one that never filed."""
    from tests import factories

    on_time, late, overdue, never = [await firms() for _ in range(4)]
    period = months_ago(3)
    await factories.trade_return("guangzhou", on_time.id, period, status="submitted", lines=LINE)
    await factories.trade_return("guangzhou", late.id, period, status="accepted", lines=LINE, late=True)
    await factories.trade_return("guangzhou", overdue.id, period, status="draft")
    await factories.trade_return("guangzhou", overdue.id, months_ago(5), status="accepted", lines=LINE)
    return period, on_time, late, overdue, never


async def test_compliance_lists_and_bulk_chase(firms, admin_gz, reviewer_gz, owner: asyncpg.Connection) -> None:  # type: ignore[no-untyped-def]
    period, on_time, late, overdue, never = await _arrange(firms)
    page = await reviewer_gz.get(f"{GZ}/returns/compliance?period={period_text(period)}")
    assert page.status_code == 200
    standing = {f.id: page.text.split(f'id="enterprise-{f.id}" data-standing="', 1)[1].split('"', 1)[0]
                for f in (on_time, late, overdue, never)}
    assert standing == {on_time.id: "on_time", late.id: "late", overdue.id: "overdue", never.id: "overdue"}
    row_of_never = page.text.split(f'id="enterprise-{never.id}"', 1)[1].split("</tr>", 1)[0]
    row_of_overdue = page.text.split(f'id="enterprise-{overdue.id}"', 1)[1].split("</tr>", 1)[0]
    assert 'class="badge warning never"' in row_of_never and "never" not in row_of_overdue.replace("data-standing", "")
    assert f'id="chase-{on_time.id}"' not in page.text and f'id="chase-{never.id}"' in page.text
    assert (await reviewer_gz.get(f"{GZ}/returns/compliance?period=2026-13")).status_code == 400
    assert (await on_time.client.get(f"{GZ}/returns/compliance")).status_code == 403

    ticked = {"period": period_text(period), "enterprise": [str(f.id) for f in (on_time, late, overdue, never)]}
    chased = await admin_gz.post(f"{GZ}/returns/compliance", data=ticked)
    assert chased.status_code == 200 and 'id="chase-note"' in chased.text
    sql = "SELECT recipient, count(*) FROM notify_message WHERE event = 'return_chased' AND recipient = ANY($1::int[]) GROUP BY 1"
    users = [f.user for f in (on_time, late, overdue, never)]
    assert dict(await owner.fetch(sql, users)) == {overdue.user: 1, never.user: 1}
    again = await admin_gz.post(f"{GZ}/returns/compliance", data=ticked)
    assert again.status_code == 200 and dict(await owner.fetch(sql, users)) == {overdue.user: 1, never.user: 1}
    audit = await owner.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'trade_return.chased' AND object_id = $1", period_text(period)
    )
    assert audit >= 1


async def test_reminder_three_days_before_the_deadline(firms, owner: asyncpg.Connection) -> None:  # type: ignore[no-untyped-def]
    from tests import factories

    from pilotzone.trade.return_reminders import reminders_due
    from pilotzone.workflow.due import send

    filed, waiting = await firms(), await firms()
    period = months_ago(0)
    await factories.trade_return("guangzhou", filed.id, period, status="submitted", lines=LINE)
    due = due_on(period, 10)
    three_before = datetime.combine(due - timedelta(days=3), time(9), tzinfo=TZ).astimezone(UTC)
    four_before = three_before - timedelta(days=1)
    async with factories.acting_in("guangzhou"):
        assert [r for r in await reminders_due(four_before) if waiting.user in r.to] == []
        owed = [r for r in await reminders_due(three_before) if set(r.to) & {filed.user, waiting.user}]
        assert [r.key for r in owed] == [f"return_due:{waiting.id}:{period_text(period)}"]
        assert await send(owed) == 1 and await send(owed) == 0  # a re-run sends nothing twice
    assert await owner.fetchval(
        "SELECT count(*) FROM notify_message WHERE recipient = $1 AND event = 'return_due'", waiting.user
    ) == 1


async def test_workspaces(firm, reviewer_gz) -> None:  # type: ignore[no-untyped-def]
    from tests import factories

    home = await firm.client.get(f"{GZ}/")
    assert home.status_code == 200 and 'data-todo="trade.return_due"' in home.text  # last month's is due
    rid = await factories.trade_return("guangzhou", firm.id, months_ago(0), status="submitted", lines=LINE)
    assert 'data-todo="trade.return_due"' not in (await firm.client.get(f"{GZ}/")).text  # filed
    bureau = await reviewer_gz.get(f"{GZ}/")
    assert 'data-todo="trade.returns"' in bureau.text
    queue = await reviewer_gz.get(f"{GZ}/returns/queue")
    assert f"/returns/{rid}" in queue.text
