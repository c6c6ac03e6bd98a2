"""emit: one message per recipient in the recipient's language, the chosen channels delivered to a
real SMTP server and a real HTTP gateway, idempotent by key; users_of finds the right people."""

from __future__ import annotations

from pathlib import Path

from tests import factories
from tests.integration.notify.servers import SmsGateway, mails_to, text_of

from pilotzone.notify.codes import Channel
from pilotzone.notify.delivery import deliver_due
from pilotzone.notify.events import Event
from pilotzone.notify.inbox import save_choices, save_profile
from pilotzone.notify.services import emit, users_of
from pilotzone.tenancy.context import TenantContext, tenant_transaction

PARAMS = {
    "reference": "GZ-2026-0001",
    "title": "跨境电商示范园区",
    "note": "请补充租赁合同",
    "due": "2026-12-31",
}


async def as_self(slug: str, user_id: int) -> TenantContext:
    return TenantContext(await factories.tenant_id(slug), slug, "tenant", user_id)


async def test_each_recipient_in_their_language_on_their_channels(
    channels: None, mailbox: Path, gateway: SmsGateway, owner
) -> None:
    zh, _ = await factories.member("guangzhou", "bureau_reviewer")
    en, _ = await factories.member("guangzhou", "bureau_reviewer")
    try:
        async with tenant_transaction(await as_self("guangzhou", en.id)):
            await save_profile(en.id, language="en", phone="+86 138 0000 0001")
            await save_choices(
                en.id, {(Event.INFO_REQUESTED, Channel.EMAIL), (Event.INFO_REQUESTED, Channel.SMS)}
            )
        key = f"info_requested:{factories.unique('step')}"
        async with factories.acting_in("guangzhou"):
            written = await emit(
                Event.INFO_REQUESTED,
                to=[zh.id, en.id, zh.id],
                link="/z/guangzhou/x/1",
                params=PARAMS,
                key=key,
            )
        assert len(written) == 2
        async with factories.acting_in("guangzhou"):
            assert await deliver_due() == 3  # zh: email (default); en: email and sms

        (zh_mail,) = mails_to(mailbox, zh.email)
        assert zh_mail["Subject"] == "补正材料通知：GZ-2026-0001"
        assert "请补充租赁合同" in text_of(zh_mail) and "http://127.0.0.1:8000/z/guangzhou/x/1" in text_of(
            zh_mail
        )
        (en_mail,) = mails_to(mailbox, en.email)
        assert en_mail["Subject"] == "Information requested for GZ-2026-0001"
        (sms,) = gateway.to("+86 138 0000 0001")
        assert sms["text"].startswith("Information requested for GZ-2026-0001: The reviewer asks")
        assert gateway.received[0]["headers"]["Authorization"] == "Bearer gateway-token"

        # the same key again (a retried action, a re-run scheduler): nothing new, nothing sent twice
        async with factories.acting_in("guangzhou"):
            assert await emit(Event.INFO_REQUESTED, to=[zh.id, en.id], params=PARAMS, key=key) == []
            assert await deliver_due() == 0
        assert len(mails_to(mailbox, zh.email)) == 1 and len(gateway.received) == 1
        rows = await owner.fetch(
            "SELECT locale, subject FROM notify_message WHERE key = $1 ORDER BY locale", key
        )
        assert [r["locale"] for r in rows] == ["en", "zh_CN"]
    finally:
        await owner.execute("DELETE FROM pz_user WHERE id = ANY($1::int[])", [zh.id, en.id])
        await owner.execute("DELETE FROM job_run WHERE kind = 'notify_delivery'")


async def test_users_of_narrows_by_role_and_enterprise(owner) -> None:
    company = await factories.enterprise("guangzhou")
    staff, _ = await factories.member("guangzhou", "enterprise_user", enterprise=company.id)
    reviewer, _ = await factories.member("guangzhou", "bureau_reviewer")
    try:
        async with factories.acting_in("guangzhou"):
            assert await users_of(roles=("enterprise_user",), enterprise_id=company.id) == [staff.id]
            assert reviewer.id in await users_of(roles=("bureau_reviewer",))
            assert staff.id not in await users_of(roles=("bureau_reviewer",))
        async with factories.acting_in("foshan"):
            assert reviewer.id not in await users_of(roles=("bureau_reviewer",))  # another city's people
    finally:
        await owner.execute("DELETE FROM pz_user WHERE id = ANY($1::int[])", [staff.id, reviewer.id])
