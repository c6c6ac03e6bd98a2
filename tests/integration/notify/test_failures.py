"""A dead SMTP server or SMS gateway never undoes the action that emitted: the message is in the inbox
at once, each delivery is retried with back-off (every attempt recorded), sent once the channel is
back, or marked failed after the last attempt; never lost, never sent twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests import factories
from tests.integration.certification.steps import GZ, state_of, submit_new
from tests.integration.notify.servers import SmsGateway, mails_to
from tests.support import demo

from pilotzone.embedded import MailSink, free_port
from pilotzone.notify.codes import Channel
from pilotzone.notify.delivery import deliver_due
from pilotzone.notify.events import Event
from pilotzone.notify.inbox import save_choices, save_profile
from pilotzone.settings import reload_settings
from pilotzone.tenancy.context import TenantContext, tenant_transaction

PHONE = "+86 137 0000 0007"


@pytest.fixture
def dead_channels(monkeypatch: pytest.MonkeyPatch, gateway: SmsGateway):  # type: ignore[no-untyped-def]
    """Email to a port nobody listens on (yet), SMS to a gateway that answers 500 (for now)."""
    port = free_port()
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("SMS_GATEWAY_URL", gateway.url)
    monkeypatch.setenv("NOTIFY_RETRY_DELAYS", "60,300")
    monkeypatch.setenv("SMTP_TIMEOUT", "2")
    gateway.status = 500
    reload_settings()
    yield port
    monkeypatch.undo()
    reload_settings()


async def _wants_sms(owner, email: str) -> int:  # type: ignore[no-untyped-def]
    user = await owner.fetchval("SELECT id FROM pz_user WHERE email = $1", email)
    ctx = TenantContext(await factories.tenant_id("guangzhou"), "guangzhou", "tenant", user)
    async with tenant_transaction(ctx):
        await save_profile(user, phone=PHONE)
        await save_choices(user, {(Event.INFO_REQUESTED, Channel.EMAIL), (Event.INFO_REQUESTED, Channel.SMS)})
    return user


async def _deliveries(owner, user: int, app_id: int):  # type: ignore[no-untyped-def]
    """The deliveries of this test's information request (other tests' messages to the same demo user stay)."""
    return await owner.fetch(
        "SELECT d.id, d.channel, d.status, d.attempts, d.next_at,"
        " (SELECT count(*) FROM notify_attempt a WHERE a.delivery = d.id) AS tries"
        " FROM notify_delivery d JOIN notify_message m ON m.id = d.message"
        " WHERE m.recipient = $1 AND m.event = 'info_requested' AND m.body ~ ('#' || $2 || '\\D')"
        " ORDER BY d.channel",
        user,
        str(app_id),
    )


async def _request_info(as_user, owner, warehouse: int) -> int:  # type: ignore[no-untyped-def]
    async with as_user(demo("enterprise", "guangzhou")) as applicant:
        app_id = await submit_new(applicant, warehouse)
    async with as_user(demo("district", "guangzhou")) as district:
        asked = await district.post(
            f"{GZ}/reviews/{app_id}",
            data={"decision": "request_info", "comment": "请补充仓库消防验收证明"},
            follow_redirects=False,
        )
    assert asked.status_code == 303  # the action is done although no channel works
    assert await state_of(owner, app_id) == ("info_requested", 0)
    return app_id


async def _in(slug: str, moment: datetime) -> int:
    async with factories.acting_in(slug):
        return await deliver_due(moment)


async def test_dead_channels_retry_then_deliver_once(
    as_user, owner, warehouse, dead_channels: int, gateway: SmsGateway, tmp_path: Path
) -> None:
    user = await _wants_sms(owner, demo("enterprise", "guangzhou"))
    app_id = await _request_info(as_user, owner, warehouse)
    async with as_user(demo("enterprise", "guangzhou")) as applicant:
        inbox = await applicant.get(f"{GZ}/inbox/")
        assert f"补正材料通知：#{app_id}" in inbox.text  # in the inbox at once

    now = datetime.now(UTC)
    assert await _in("guangzhou", now) == 2
    rows = await _deliveries(owner, user, app_id)
    assert [(r["channel"], r["status"], r["attempts"], r["tries"]) for r in rows] == [
        ("email", "pending", 1, 1),
        ("sms", "pending", 1, 1),
    ]
    assert all(timedelta(seconds=59) < r["next_at"] - now < timedelta(seconds=61) for r in rows)
    assert await _in("guangzhou", now + timedelta(seconds=30)) == 0  # backing off

    sink = MailSink(tmp_path / "mail", dead_channels)  # the SMTP server comes back on its port
    sink.start()
    gateway.status = 200
    try:
        assert await _in("guangzhou", now + timedelta(seconds=61)) == 2
        assert await _in("guangzhou", now + timedelta(days=1)) == 0  # sent: never again
    finally:
        sink.stop()
    rows = await _deliveries(owner, user, app_id)
    assert [(r["status"], r["attempts"], r["tries"]) for r in rows] == [("sent", 2, 2), ("sent", 2, 2)]
    (mail,) = mails_to(sink.directory, demo("enterprise", "guangzhou"))
    assert mail["Subject"] == f"补正材料通知：#{app_id}"
    assert len(gateway.to(PHONE)) == 1


async def test_dead_channels_marked_failed_after_the_last_attempt(
    as_user, owner, warehouse, dead_channels: int
) -> None:
    user = await _wants_sms(owner, demo("enterprise", "guangzhou"))
    app_id = await _request_info(as_user, owner, warehouse)
    now = datetime.now(UTC)
    for later in (0, 61, 61 + 301):
        assert await _in("guangzhou", now + timedelta(seconds=later)) == 2
    assert await _in("guangzhou", now + timedelta(days=7)) == 0
    rows = await _deliveries(owner, user, app_id)
    assert [(r["status"], r["attempts"], r["tries"]) for r in rows] == [("failed", 3, 3), ("failed", 3, 3)]
    errors = await owner.fetch(
        "SELECT a.error FROM notify_attempt a WHERE a.delivery = ANY($1::int[])", [r["id"] for r in rows]
    )
    assert any("SMTP 127.0.0.1" in e["error"] for e in errors) and any("500" in e["error"] for e in errors)


async def test_the_periodic_pass_starts_a_run_only_when_something_is_due(channels: None, owner) -> None:
    from pilotzone.notify.actors import PERIODIC
    from pilotzone.notify.services import emit

    (periodic,) = PERIODIC
    assert periodic.wanted is not None
    person, _ = await factories.member("guangzhou", "bureau_reviewer")
    try:
        async with factories.acting_in("guangzhou"):
            assert not await periodic.wanted(datetime.now(UTC))
            await emit(Event.APPLICATION_APPROVED, [person.id], params={"reference": "#9"})
            assert await periodic.wanted(datetime.now(UTC))  # owed (its run's message may be lost)
            await deliver_due()
            assert not await periodic.wanted(datetime.now(UTC) + timedelta(days=1))  # sent: nothing owed
    finally:
        await owner.execute("DELETE FROM pz_user WHERE id = $1", person.id)
        await owner.execute("DELETE FROM job_run WHERE kind = 'notify_delivery'")
