"""Every event gives its message in Chinese and English with the params filled in; a tenant's TOML
may replace a text; a delivery goes out through the job outbox and a real worker."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests import factories
from tests.integration.notify.servers import mails_to, text_of

from pilotzone.notify.events import Event
from pilotzone.notify.inbox import save_profile
from pilotzone.notify.services import emit
from pilotzone.tenancy.context import TenantContext, tenant_transaction

PARAMS = {
    "reference": "#42",
    "title": "示范园区认定",
    "note": "材料不全",
    "due": "2026-12-31",
    "amount": "12,500.00",
    "number": "GZ-HWC-2026-0001",
    "days": 30,
}


async def test_every_event_in_both_languages(owner) -> None:
    zh, _ = await factories.member("guangzhou", "bureau_reviewer")
    en, _ = await factories.member("foshan", "bureau_reviewer")
    try:
        async with tenant_transaction(
            TenantContext(await factories.tenant_id("foshan"), "foshan", "tenant", en.id)
        ):
            await save_profile(en.id, language="en")
        for event in Event:
            for slug, person in (("guangzhou", zh), ("foshan", en)):
                async with factories.acting_in(slug):
                    (written,) = await emit(event, [person.id], link=f"/z/{slug}/x", params=PARAMS)
                row = await owner.fetchrow(
                    "SELECT subject, body, locale FROM notify_message WHERE id = $1", written
                )
                assert "{" not in row["subject"] + row["body"], (event, row)
                assert (
                    f"http://127.0.0.1:8000/z/{slug}/x" in row["body"] or event is Event.DEADLINE_APPROACHING
                )
                chinese = any(
                    "\u4e00" <= ch <= "\u9fff" for ch in row["subject"].replace(PARAMS["title"], "")
                )
                assert chinese == (slug == "guangzhou"), (event, row["subject"])
        rows = await owner.fetch(
            "SELECT subject FROM notify_message WHERE recipient = $1 AND event = 'payment_recorded'", zh.id
        )
        assert rows[0]["subject"] == "广州综试区扶持资金已拨付：12,500.00 元"  # guangzhou.toml's own text
        rows = await owner.fetch(
            "SELECT subject FROM notify_message WHERE recipient = $1 AND event = 'payment_recorded'", en.id
        )
        assert rows[0]["subject"] == "Payment recorded: 12,500.00 yuan"
    finally:
        await owner.execute("DELETE FROM pz_user WHERE id = ANY($1::int[])", [zh.id, en.id])


async def test_sent_through_the_job_outbox_by_a_worker(channels: None, mailbox: Path, worker, owner) -> None:
    person, _ = await factories.member("guangzhou", "bureau_reviewer")
    try:
        async with factories.acting_in("guangzhou"):
            await emit(
                Event.APPLICATION_APPROVED, [person.id], link="/z/guangzhou/applications/7", params=PARAMS
            )
        for _ in range(600):  # the worker may first work through what earlier tests left queued
            if mails_to(mailbox, person.email):
                break
            await asyncio.sleep(0.1)
        (mail,) = mails_to(mailbox, person.email)
        assert mail["Subject"] == "申请 #42 已通过" and "示范园区认定" in text_of(mail)
        status = await owner.fetchval(
            "SELECT d.status FROM notify_delivery d JOIN notify_message m ON m.id = d.message WHERE m.recipient = $1",
            person.id,
        )
        assert status == "sent"
    finally:
        await owner.execute("DELETE FROM pz_user WHERE id = $1", person.id)
        await owner.execute("DELETE FROM job_run WHERE kind = 'notify_delivery'")


async def test_links_to_submissions_are_the_routes_of_their_pages() -> None:
    from pilotzone.app import create_app
    from pilotzone.workflow.told import link_to

    app = create_app()
    async with factories.acting_in("guangzhou"):
        assert link_to("certification", 5) == app.route_reverse(
            "application", slug="guangzhou", application_id=5
        )
        assert link_to("funding", 6) == app.route_reverse(
            "funding_application", slug="guangzhou", funding_application_id=6
        )
