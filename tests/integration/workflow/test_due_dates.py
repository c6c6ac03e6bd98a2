"""An information request on a certification application has a due date too (the same engine:
``workflow.info_requests``, ``workflow.due``): the reviewer's form, the applicant's page, both
lists, the reminders; the bulk request gets the default date."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from tests import factories
from tests.support import demo

from pilotzone.web.deadlines import tenant_today

GZ = "/z/guangzhou"


@pytest.fixture
async def in_review(owner: asyncpg.Connection, tenants: dict) -> AsyncIterator[int]:
    """A demo-enterprise certification application of the demo enterprise, in review at the bureau
    reviewer's stage; afterwards it goes with its steps."""
    enterprise = await owner.fetchval(
        'SELECT m.enterprise FROM membership m JOIN pz_user u ON u.id = m."user" WHERE u.email = $1 AND m.tenant_id = $2',
        demo("enterprise", "guangzhou"), tenants["guangzhou"],
    )
    scheme = await factories.scheme("guangzhou", "demo-enterprise")
    row = await factories.application(
        "guangzhou", scheme, "enterprise", enterprise, status="in_review", stage=1,
        applicant_enterprise=enterprise, subject_label=factories.unique("补正期限测试企业"),
    )
    yield row.id
    await owner.execute("DELETE FROM submission WHERE id = $1", row.id)


async def test_certification_request_due_date(as_user, owner, in_review) -> None:
    app_id, today = in_review, tenant_today()
    due = today + timedelta(days=1)
    async with as_user(demo("reviewer", "guangzhou")) as reviewer:
        form = await reviewer.get(f"{GZ}/reviews/{app_id}")
        assert form.status_code == 200 and 'name="due_on" type="date"' in form.text
        bad = await reviewer.post(
            f"{GZ}/reviews/{app_id}",
            data={"decision": "request_info", "comment": "请补充近三年报表", "due_on": "2026-13-40"},
            follow_redirects=False,
        )
        assert bad.status_code == 400 and "请按 年-月-日（YYYY-MM-DD）填写补正期限。" in bad.text
        asked = await reviewer.post(
            f"{GZ}/reviews/{app_id}",
            data={"decision": "request_info", "comment": "请补充近三年报表", "due_on": due.isoformat()},
            follow_redirects=False,
        )
        assert asked.status_code == 303, asked.text[:500]
        assert f"请于 {due.isoformat()} 前补正，剩 1 天" in (await reviewer.get(f"{GZ}/reviews/{app_id}")).text
    step = await owner.fetchrow(
        "SELECT id, due_on FROM review_step WHERE submission = $1 AND decision = 'request_info'", app_id
    )
    assert step["due_on"] == due

    async with as_user(demo("enterprise", "guangzhou")) as client:
        words = f"请于 {due.isoformat()} 前补正，剩 1 天"
        assert words in (await client.get(f"{GZ}/applications/{app_id}")).text
        assert words in (await client.get(f"{GZ}/applications/")).text
        email = demo("enterprise", "guangzhou")
        language = await owner.fetchval("SELECT language FROM pz_user WHERE email = $1", email)
        client.cookies.set("lang", "en")
        try:
            page = await client.get(f"{GZ}/applications/{app_id}")
            assert f"Answer by {due.isoformat()}, 1 day left" in page.text
        finally:  # the page remembered English for the user's messages: as it was for the other tests
            await owner.execute("UPDATE pz_user SET language = $2 WHERE email = $1", email, language)

    from pilotzone.workflow.due import reminders_due

    user = await owner.fetchval("SELECT id FROM pz_user WHERE email = $1", demo("enterprise", "guangzhou"))
    async with factories.acting_in("guangzhou"):
        now = datetime.combine(today, time(9), ZoneInfo("Asia/Shanghai"))
        (reminder,) = [r for r in await reminders_due(now) if r.target == app_id]
    assert reminder.key == f"info_due:{step['id']}:2d" and reminder.to == (user,)
    assert (reminder.route, reminder.param) == ("application", "application_id")


async def test_a_bulk_request_gets_the_default_due_date(as_user, owner, in_review) -> None:
    async with as_user(demo("reviewer", "guangzhou")) as reviewer:
        done = await reviewer.post(
            f"{GZ}/reviews/bulk",
            data={"decision": "request_info", "comment": "请补充材料", "ids": str(in_review)},
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text[:300]
    due = await owner.fetchval(
        "SELECT due_on FROM review_step WHERE submission = $1 AND decision = 'request_info'", in_review
    )
    assert due == tenant_today() + timedelta(days=10)
