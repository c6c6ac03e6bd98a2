"""An information request on a funding application has a due date: chosen on the reviewer's form
(default today + 10 days, never in the past), stored on the request, shown to both sides and in the
lists with the days left or overdue, and reminded 2 days before and once overdue (computed once per
mark: a stable key)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tests import factories
from tests.integration.funding.steps import BASE, submitted
from tests.support import demo

from pilotzone.web.deadlines import tenant_today

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), SHANGHAI)


async def test_the_due_date_is_stored_shown_and_reminded(as_user, owner, program) -> None:
    today = tenant_today()
    due = today + timedelta(days=5)
    async with as_user(demo("enterprise", "guangzhou")) as client:
        app_id = await submitted(client, owner, program, "1234.5")

    async with as_user(demo("reviewer", "guangzhou")) as reviewer:
        form = (await reviewer.get(f"{BASE}/{app_id}")).text
        default = (today + timedelta(days=10)).isoformat()
        assert f'name="due_on" type="date" value="{default}" min="{today.isoformat()}"' in form
        past = await reviewer.post(
            f"{BASE}/{app_id}/review",
            data={"decision": "request_info", "comment": "请补充报关单", "due_on": (today - timedelta(days=1)).isoformat()},
            follow_redirects=False,
        )
        assert past.status_code == 400 and "补正期限不能早于今天。" in past.text
        assert 'id="due-on" name="due_on"' in past.text and 'aria-invalid="true"' in past.text
        assert await owner.fetchval(
            "SELECT count(*) FROM review_step WHERE submission = $1 AND decision = 'request_info'", app_id
        ) == 0
        assert await owner.fetchval("SELECT status FROM submission WHERE id = $1", app_id) == "in_review"

        asked = await reviewer.post(
            f"{BASE}/{app_id}/review",
            data={"decision": "request_info", "comment": "请补充报关单", "due_on": due.isoformat()},
            follow_redirects=False,
        )
        assert asked.status_code == 303, asked.text[:500]
        step = await owner.fetchrow(
            "SELECT id, due_on FROM review_step WHERE submission = $1 AND decision = 'request_info'", app_id
        )
        assert step["due_on"] == due
        words = f"请于 {due.isoformat()} 前补正，剩 5 天"
        assert words in (await reviewer.get(f"{BASE}/{app_id}")).text  # the reviewer's list of requests
        assert words in (await reviewer.get(f"{BASE}/")).text

    user = await owner.fetchval("SELECT id FROM pz_user WHERE email = $1", demo("enterprise", "guangzhou"))
    async with as_user(demo("enterprise", "guangzhou")) as client:
        assert words in (await client.get(f"{BASE}/{app_id}")).text
        assert words in (await client.get(f"{BASE}/")).text

        from pilotzone.workflow.due import reminders_due

        async with factories.acting_in("guangzhou"):
            early = await reminders_due(at(due - timedelta(days=3)))
            first = await reminders_due(at(due - timedelta(days=2)))
            again = await reminders_due(at(due - timedelta(days=1), 20))
            late = await reminders_due(at(due + timedelta(days=1)))
        mine = [r for r in early if r.target == app_id]
        assert mine == []
        (two_days,) = [r for r in first if r.target == app_id]
        assert two_days.event == "info_due" and two_days.key == f"info_due:{step['id']}:2d"
        assert two_days.to == (user,) and (two_days.route, two_days.param) == ("funding_application", "funding_application_id")
        assert two_days.params["due"] == due.isoformat() and two_days.params["days"] == 2
        # the next day the same reminder (same key: notify sends a key once per recipient)
        assert [r.key for r in again if r.target == app_id] == [two_days.key]
        (overdue,) = [r for r in late if r.target == app_id]
        assert overdue.key == f"info_due:{step['id']}:overdue" and overdue.params["overdue"] == 1

        # overdue on the pages
        await owner.execute("UPDATE review_step SET due_on = $2 WHERE id = $1", step["id"], today - timedelta(days=2))
        page = await client.get(f"{BASE}/{app_id}")
        assert f"已逾期 2 天（应于 {(today - timedelta(days=2)).isoformat()} 前补正）" in page.text

        answered = await client.post(f"{BASE}/{app_id}/answer", data={"note": "已补充"}, follow_redirects=False)
        assert answered.status_code == 303, answered.text[:500]
        assert "已逾期" not in (await client.get(f"{BASE}/")).text.split("<table", 1)[-1]
        async with factories.acting_in("guangzhou"):
            assert [r for r in await reminders_due(at(today + timedelta(days=1))) if r.target == app_id] == []


async def test_an_empty_due_date_is_today_plus_ten_days(as_user, owner, program) -> None:
    async with as_user(demo("enterprise", "guangzhou")) as client:
        app_id = await submitted(client, owner, program, "99")
    async with as_user(demo("reviewer", "guangzhou")) as reviewer:
        asked = await reviewer.post(
            f"{BASE}/{app_id}/review", data={"decision": "request_info", "comment": "请说明", "due_on": ""},
            follow_redirects=False,
        )
        assert asked.status_code == 303
    due = await owner.fetchval(
        "SELECT due_on FROM review_step WHERE submission = $1 AND decision = 'request_info'", app_id
    )
    assert due == tenant_today() + timedelta(days=10)
    audit = await owner.fetchval(
        "SELECT after->>'due_on' FROM audit_log WHERE action = 'funding_review.request_info' AND object_id = $1",
        str(app_id),
    )
    assert audit == due.isoformat()
