"""Rounds open and close by their dates with nobody acting (the periodic run ``funding_deadlines``,
tenant dates in Asia/Shanghai), a submission after the close is refused with a clear message and
changes nothing, and the pages say how long a round stays open."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from tests import factories
from tests.integration.funding.conftest import SPEC
from tests.support import demo, wait_done

from pilotzone.demo import sample_pdf
from pilotzone.web.deadlines import tenant_today

BASE = "/z/guangzhou/funding/applications"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment of the tenant's day (Asia/Shanghai)."""
    return datetime.combine(day, time(hour, minute), SHANGHAI)


@pytest.fixture
async def rounds_kept(owner: asyncpg.Connection) -> AsyncIterator[None]:
    """Whatever the runs of a test move besides its own round goes back to how it was."""
    before = await owner.fetch("SELECT id, status FROM round")
    yield
    for row in before:
        await owner.execute("UPDATE round SET status = $2 WHERE id = $1", row["id"], row["status"])


async def _run_periodic(owner: asyncpg.Connection, moment: datetime) -> None:
    """The periodic entry of ``funding_deadlines`` as the scheduler starts it, for guangzhou at
    ``moment``, run by the worker."""
    from pilotzone.schedule import PERIODIC

    periodic = next(p for p in PERIODIC if p.kind == "funding_deadlines")
    async with factories.acting_in("guangzhou"):
        run = await periodic.start(moment)
    done = await wait_done(owner, run.id)
    assert done["status"] == "done", done["error"]


async def test_a_round_closes_by_itself_after_its_close_day(owner, program, worker, rounds_kept) -> None:
    close = tenant_today() + timedelta(days=2)
    rid = program["round"]
    await owner.execute("UPDATE round SET closes_at = $2 WHERE id = $1", rid, close)

    await _run_periodic(owner, at(close, 23, 50))  # the close day lasts to its end in Shanghai
    assert await owner.fetchval("SELECT status FROM round WHERE id = $1", rid) == "open"

    await _run_periodic(owner, at(close + timedelta(days=1), 0, 10))  # 16:10 UTC on the close day
    assert await owner.fetchval("SELECT status FROM round WHERE id = $1", rid) == "closed"
    audit = await owner.fetchrow(
        "SELECT actor, after FROM audit_log WHERE action = 'round.closed' AND object_id = $1 "
        "ORDER BY id DESC LIMIT 1",
        str(rid),
    )
    assert audit is not None and json.loads(audit["after"])["by"] == "date"
    # a later run leaves a closed round as it is (calculation and approval are people's work)
    await _run_periodic(owner, at(close + timedelta(days=5), 9))
    assert await owner.fetchval("SELECT status FROM round WHERE id = $1", rid) == "closed"


async def test_a_scheduled_round_opens_on_its_day(as_user, owner, program, rounds_kept) -> None:
    from pilotzone.funding.deadlines import move_by_dates

    opens = tenant_today() + timedelta(days=3)
    rid = program["round"]
    await owner.execute(
        "UPDATE round SET status = 'scheduled', opens_at = $2, closes_at = $3 WHERE id = $1",
        rid, opens, opens + timedelta(days=10),
    )
    async with as_user(demo("enterprise", "guangzhou")) as client:
        index = await client.get(f"{BASE}/")
        assert f"new?round_id={rid}" not in index.text  # not offered before it opens
        page = await client.get(f"/z/guangzhou/programs/{SPEC['key']}")
        assert f"{opens.isoformat()} 开始申报" in page.text and "未开始" in page.text

    async with factories.acting_in("guangzhou"):
        assert [r for r in await move_by_dates(at(opens - timedelta(days=1), 23, 50)) if r["id"] == rid] == []
    assert await owner.fetchval("SELECT status FROM round WHERE id = $1", rid) == "scheduled"
    async with factories.acting_in("guangzhou"):
        moved = [r for r in await move_by_dates(at(opens, 0, 5)) if r["id"] == rid]
    assert [(r["before"], r["after"]) for r in moved] == [("scheduled", "open")]
    assert await owner.fetchval("SELECT status FROM round WHERE id = $1", rid) == "open"


async def _draft(client, owner: asyncpg.Connection, program: dict) -> int:  # type: ignore[no-untyped-def]
    """A draft of the demo enterprise with its report uploaded and a value saved."""
    enterprise = await owner.fetchval(
        'SELECT m.enterprise FROM membership m JOIN pz_user u ON u.id = m."user" WHERE u.email = $1 AND m.tenant_id = $2',
        demo("enterprise", "guangzhou"), program["tenant"],
    )
    created = await client.post(
        f"{BASE}/", data={"round": str(program["round"]), "subject_id": str(enterprise)}, follow_redirects=False
    )
    assert created.status_code == 303, created.text[:300]
    app_id = int(created.headers["location"].rsplit("/", 1)[1])
    upload = await client.post(
        f"{BASE}/{app_id}/documents", data={"doc_key": "report"},
        files={"file": ("审计.pdf", sample_pdf("audit"), "application/pdf")}, follow_redirects=False,
    )
    assert upload.status_code == 303
    saved = await client.post(f"{BASE}/{app_id}/save", data={"exports": "100"}, follow_redirects=False)
    assert saved.status_code == 303
    return app_id


async def _trace(owner: asyncpg.Connection, app_id: int) -> tuple:
    """What a submission changes: its row, its history rows and its audit rows."""
    row = await owner.fetchrow("SELECT status, values, submitted_at, updated_at FROM submission WHERE id = $1", app_id)
    changes = await owner.fetchval("SELECT count(*) FROM submission_change WHERE submission = $1", app_id)
    audits = await owner.fetchval(
        "SELECT count(*) FROM audit_log WHERE object_type = 'funding_application' AND object_id = $1", str(app_id)
    )
    return tuple(row.values()), changes, audits


async def test_a_submission_after_the_close_is_refused(as_user, owner, program) -> None:
    rid, today = program["round"], tenant_today()
    async with as_user(demo("enterprise", "guangzhou")) as client:
        app_id = await _draft(client, owner, program)  # started while the round was open
        page = await client.get(f"{BASE}/{app_id}")
        closes = await owner.fetchval("SELECT closes_at FROM round WHERE id = $1", rid)
        left = (closes - today).days
        assert f"还剩 {left} 天，{closes.isoformat()} 截止" in page.text

        # the close day has ended; the periodic run has not moved the round yet: the dates decide
        yesterday = today - timedelta(days=1)
        await owner.execute(
            "UPDATE round SET opens_at = $2, closes_at = $3 WHERE id = $1", rid, yesterday - timedelta(days=5), yesterday
        )
        before = await _trace(owner, app_id)
        late = await client.post(f"{BASE}/{app_id}/submit", data={"exports": "1234.5"}, follow_redirects=False)
        assert late.status_code == 400
        assert f"本轮申报已于 {yesterday.isoformat()} 截止，不再受理提交；您的草稿已保留。" in late.text
        assert 'value="1234.5"' in late.text  # what was typed comes back: nothing lost
        assert await _trace(owner, app_id) == before  # and nothing changed
        assert json.loads(before[0][1]) == {"exports": "100"}

        # closed by the run: the same refusal
        await owner.execute("UPDATE round SET status = 'closed' WHERE id = $1", rid)
        again = await client.post(f"{BASE}/{app_id}/submit", data={"exports": "1234.5"}, follow_redirects=False)
        assert again.status_code == 400 and f"本轮申报已于 {yesterday.isoformat()} 截止" in again.text
        assert await _trace(owner, app_id) == before
        # nor can a new application be started in it
        index = await client.get(f"{BASE}/")
        assert f"new?round_id={rid}" not in index.text

        # closed early by the bureau while its dates still run
        await owner.execute(
            "UPDATE round SET closes_at = $2 WHERE id = $1", rid, today + timedelta(days=3)
        )
        early = await client.post(f"{BASE}/{app_id}/submit", data={"exports": "1234.5"}, follow_redirects=False)
        assert early.status_code == 400 and "主管部门已截止本轮申报，不再受理提交；您的草稿已保留。" in early.text
        assert await _trace(owner, app_id) == before


async def test_time_left_on_the_pages(as_user, owner, program) -> None:
    rid, today = program["round"], tenant_today()
    closes = today + timedelta(days=3)
    await owner.execute("UPDATE round SET closes_at = $2 WHERE id = $1", rid, closes)
    words = f"还剩 3 天，{closes.isoformat()} 截止"
    async with as_user(demo("enterprise", "guangzhou")) as client:
        assert words in (await client.get(f"/z/guangzhou/programs/{SPEC['key']}")).text
        assert words in (await client.get(f"{BASE}/")).text  # the enterprise's list of open rounds
        assert words in (await client.get(f"{BASE}/new?round_id={rid}")).text
        await owner.execute("UPDATE round SET closes_at = $2 WHERE id = $1", rid, today)
        assert f"今天截止（{today.isoformat()}）" in (await client.get(f"{BASE}/")).text
        email = demo("enterprise", "guangzhou")
        language = await owner.fetchval("SELECT language FROM pz_user WHERE email = $1", email)
        client.cookies.set("lang", "en")
        try:
            page = await client.get(f"/z/guangzhou/programs/{SPEC['key']}")
            assert f"Closes today ({today.isoformat()})" in page.text and ">Open<" in page.text
        finally:  # the page remembered English for the user's messages: as it was for the other tests
            await owner.execute("UPDATE pz_user SET language = $2 WHERE email = $1", email, language)


async def test_the_round_state_check_follows_the_enum(owner: asyncpg.Connection, program: dict) -> None:
    from pilotzone.funding.states import RoundState

    definition = await owner.fetchval(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'round'::regclass"
        " AND conname = 'round_status_code'"
    )
    assert definition is not None and all(f"'{state.value}'" in definition for state in RoundState)
    with pytest.raises(asyncpg.CheckViolationError):
        await owner.execute("UPDATE round SET status = 'paused' WHERE id = $1", program["round"])
