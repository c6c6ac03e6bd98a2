"""Reminders before a round closes, sent through notify by the periodic run: 7 days and 1 day before
the close day to whoever holds a draft in the round, 7 days before to the users of enterprises that
meet the program's subject rules and have not applied (not to a negative-listed one); a re-run sends
nothing twice; information requests are reminded 2 days before their due date."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from tests import factories
from tests.integration.funding.steps import BASE, submitted
from tests.support import demo, wait_done

from pilotzone.web.deadlines import tenant_today

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), SHANGHAI)


async def _run(owner: asyncpg.Connection, kind: str, moment: datetime) -> None:
    """The scheduler's periodic entry of ``kind`` for guangzhou at ``moment``, run by the worker."""
    from pilotzone.schedule import PERIODIC

    periodic = next(p for p in PERIODIC if p.kind == kind)
    async with factories.acting_in("guangzhou"):
        run = await periodic.start(moment)
    done = await wait_done(owner, run.id)
    assert done["status"] == "done", done["error"]


@pytest.fixture
async def outsiders(owner: asyncpg.Connection) -> AsyncIterator[dict]:
    """Two active enterprises with a user each, neither applying; the second on the negative list."""
    made = {}
    for name in ("eligible", "listed"):
        enterprise = await factories.enterprise("guangzhou", name=factories.unique(f"提醒测试{name}"))
        person, _ = await factories.member("guangzhou", "enterprise_user", enterprise=enterprise.id)
        made[name] = {"enterprise": enterprise.id, "user": person.id}
    await factories.negative_entry("guangzhou", made["listed"]["enterprise"])
    yield made
    ids = [m["enterprise"] for m in made.values()]
    users = [m["user"] for m in made.values()]
    await owner.execute("DELETE FROM negative_list_entry WHERE enterprise = ANY($1::int[])", ids)
    await owner.execute('DELETE FROM membership WHERE "user" = ANY($1::int[])', users)
    await owner.execute("DELETE FROM pz_user WHERE id = ANY($1::int[])", users)
    await owner.execute("DELETE FROM enterprise WHERE id = ANY($1::int[])", ids)


@pytest.fixture
async def messages_kept(owner: asyncpg.Connection) -> AsyncIterator[None]:
    start = await owner.fetchval("SELECT COALESCE(max(id), 0) FROM notify_message")
    yield
    await owner.execute("DELETE FROM notify_message WHERE id > $1", start)


async def _messages(owner: asyncpg.Connection, prefix: str) -> list[tuple]:
    rows = await owner.fetch(
        "SELECT recipient, key, event, subject, body, link FROM notify_message WHERE key LIKE $1 ORDER BY id",
        prefix + "%",
    )
    return [tuple(r.values()) for r in rows]


async def test_round_reminders_are_sent_once(as_user, owner, program, outsiders, worker, messages_kept) -> None:
    rid, today = program["round"], tenant_today()
    closes = today + timedelta(days=7)
    await owner.execute("UPDATE round SET closes_at = $2 WHERE id = $1", rid, closes)
    async with as_user(demo("enterprise", "guangzhou")) as client:
        enterprise = await owner.fetchval(
            'SELECT m.enterprise FROM membership m JOIN pz_user u ON u.id = m."user" WHERE u.email = $1',
            demo("enterprise", "guangzhou"),
        )
        created = await client.post(
            f"{BASE}/", data={"round": str(rid), "subject_id": str(enterprise)}, follow_redirects=False
        )
        draft = int(created.headers["location"].rsplit("/", 1)[1])
    holder = await owner.fetchval("SELECT id FROM pz_user WHERE email = $1", demo("enterprise", "guangzhou"))

    from pilotzone.funding.deadlines import wanted

    async with factories.acting_in("guangzhou"):
        assert await wanted(at(today))  # a round closes within 7 days: the scheduler starts the run
        assert not await wanted(at(date(2020, 1, 1)))  # nothing to open, close or remind of then
    await _run(owner, "funding_deadlines", at(today))
    sent = await _messages(owner, f"deadline:round:{rid}:")
    keys = {(r[0], r[1]) for r in sent}
    assert (holder, f"deadline:round:{rid}:7d:submission:{draft}") in keys
    eligible, listed = outsiders["eligible"], outsiders["listed"]
    assert (eligible["user"], f"deadline:round:{rid}:7d:enterprise:{eligible['enterprise']}") in keys
    assert not any(r[0] == listed["user"] for r in sent)  # on the negative list: not invited
    mine = next(r for r in sent if r[0] == holder)
    assert mine[2] == "deadline_approaching" and closes.isoformat() in mine[4]
    assert mine[5] == f"{BASE}/{draft}"

    await _run(owner, "funding_deadlines", at(today, 15))  # a re-run: nothing twice
    assert await _messages(owner, f"deadline:round:{rid}:") == sent

    await _run(owner, "funding_deadlines", at(closes - timedelta(days=1)))
    later = await _messages(owner, f"deadline:round:{rid}:")
    assert [r[1] for r in later[len(sent):]] == [f"deadline:round:{rid}:1d:submission:{draft}"]


async def test_information_due_reminder_is_sent_once(as_user, owner, program, worker, messages_kept) -> None:
    async with as_user(demo("enterprise", "guangzhou")) as client:
        app_id = await submitted(client, owner, program, "10")
    due = tenant_today() + timedelta(days=2)
    async with as_user(demo("reviewer", "guangzhou")) as reviewer:
        asked = await reviewer.post(
            f"{BASE}/{app_id}/review",
            data={"decision": "request_info", "comment": "请补充", "due_on": due.isoformat()},
            follow_redirects=False,
        )
        assert asked.status_code == 303
    step = await owner.fetchval(
        "SELECT id FROM review_step WHERE submission = $1 AND decision = 'request_info'", app_id
    )
    from pilotzone.workflow.due import wanted

    async with factories.acting_in("guangzhou"):
        assert await wanted(at(tenant_today())) and not await wanted(at(date(2020, 1, 1)))
    await _run(owner, "info_due", at(tenant_today()))
    await _run(owner, "info_due", at(tenant_today(), 18))
    sent = await _messages(owner, f"info_due:{step}:")
    assert [(r[1], r[2]) for r in sent] == [(f"info_due:{step}:2d", "info_due")]
    assert due.isoformat() in sent[0][4] and sent[0][5] == f"{BASE}/{app_id}"
    await _run(owner, "info_due", at(due + timedelta(days=1)))
    assert [r[1] for r in await _messages(owner, f"info_due:{step}:")] == [
        f"info_due:{step}:2d", f"info_due:{step}:overdue"
    ]
