"""The engine tells the right people, through the product's own pages: an information request reaches
the enterprise, the answer reaches the reviewer who asked, the approval and the public notice reach the
enterprise (in its inbox, and by email from a real SMTP server), a rejection likewise; an objection
reaches the bureau admins and its resolution the enterprise."""

from __future__ import annotations

import asyncio
from pathlib import Path

from litestar.testing import AsyncTestClient
from tests.integration.certification.steps import GZ, score_form, state_of, submit_new
from tests.integration.notify.servers import mails_to
from tests.support import csrf_of, demo


async def _events(owner, email: str, app_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    rows = await owner.fetch(
        "SELECT m.event FROM notify_message m JOIN pz_user u ON u.id = m.recipient"
        " WHERE u.email = $1 AND m.body LIKE $2 ORDER BY m.id",
        email,
        f"%#{app_id}%",
    )
    return [r["event"] for r in rows]


async def _decide(as_user, who: str, app_id: int, data: dict) -> None:  # type: ignore[no-untyped-def]
    async with as_user(demo(who, "guangzhou")) as client:
        done = await client.post(f"{GZ}/reviews/{app_id}", data=data, follow_redirects=False)
        assert done.status_code == 303, done.text[:500]


async def test_a_certification_round_trip_tells_each_side(
    channels: None, mailbox: Path, as_user, owner, warehouse: int
) -> None:
    enterprise, district = demo("enterprise", "guangzhou"), demo("district", "guangzhou")
    async with as_user(enterprise) as applicant:
        app_id = await submit_new(applicant, warehouse)
    await _decide(as_user, "district", app_id, {"decision": "request_info", "comment": "请补充消防验收证明"})
    async with as_user(enterprise) as applicant:
        answered = await applicant.post(
            f"{GZ}/applications/{app_id}/answer", data={"note": "已补充"}, follow_redirects=False
        )
        assert answered.status_code == 303
    assert await _events(owner, district, app_id) == ["info_answered"]  # the reviewer who asked
    await _decide(
        as_user, "district", app_id, {"decision": "approve", **await score_form(owner, app_id, 0.8)}
    )
    await _decide(
        as_user, "reviewer", app_id, {"decision": "approve", **await score_form(owner, app_id, 0.8)}
    )
    assert await _events(owner, enterprise, app_id) == ["info_requested"]  # a stage passed: nothing yet
    async with as_user(demo("admin", "guangzhou")) as admin:
        done = await admin.post(
            f"{GZ}/reviews/{app_id}",
            data={"decision": "approve", **await score_form(owner, app_id, 0.9)},
            follow_redirects=False,
        )
        assert done.status_code == 303
    assert (await state_of(owner, app_id))[0] == "notice"
    assert await _events(owner, enterprise, app_id) == [
        "info_requested",
        "notice_started",
        "application_approved",
    ]

    async with as_user(enterprise) as applicant:  # the unread messages in the header and the inbox
        page = await applicant.get(f"{GZ}/inbox/")
        assert f"申请 #{app_id} 已通过" in page.text and "站内信（" in page.text
    for _ in range(150):  # the approval email, sent by the job outbox... or by the periodic pass here
        from tests import factories

        from pilotzone.notify.delivery import deliver_due

        async with factories.acting_in("guangzhou"):
            await deliver_due()
        if any(m["Subject"] == f"申请 #{app_id} 已通过" for m in mails_to(mailbox, enterprise)):
            break
        await asyncio.sleep(0.1)
    subjects = [m["Subject"] for m in mails_to(mailbox, enterprise)]
    assert f"申请 #{app_id} 已通过" in subjects and f"补正材料通知：#{app_id}" in subjects


async def test_objections_tell_the_bureau_and_the_enterprise(
    channels: None, as_user, owner, warehouse: int, app
) -> None:
    async with as_user(demo("enterprise", "guangzhou")) as applicant:
        app_id = await submit_new(applicant, warehouse)
    for who in ("district", "reviewer", "admin"):
        await _decide(as_user, who, app_id, {"decision": "approve", **await score_form(owner, app_id, 0.9)})
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as public:
        token = await csrf_of(public)
        filed = await public.post(
            f"{GZ}/notices/{app_id}/objections",
            data={"csrf_token": token, "name": "李四", "contact": "13900000000", "reason": "通知测试异议"},
            follow_redirects=False,
        )
        assert filed.status_code == 303
    assert "objection_filed" in await _events(owner, demo("admin", "guangzhou"), app_id)
    objection = await owner.fetchval(
        "SELECT o.id FROM objection o JOIN notice n ON n.id = o.notice WHERE n.submission = $1", app_id
    )
    async with as_user(demo("admin", "guangzhou")) as admin:
        done = await admin.post(
            f"{GZ}/notices/objections/{objection}/resolve",
            data={"decision": "dismissed"},
            follow_redirects=False,
        )
        assert done.status_code == 303
    assert (await _events(owner, demo("enterprise", "guangzhou"), app_id))[-1] == "objection_resolved"


async def test_a_rejection_tells_the_enterprise(channels: None, as_user, owner, warehouse: int) -> None:
    async with as_user(demo("enterprise", "guangzhou")) as applicant:
        app_id = await submit_new(applicant, warehouse)
    await _decide(as_user, "district", app_id, {"decision": "reject", "comment": "仓储面积不符合要求"})
    assert await _events(owner, demo("enterprise", "guangzhou"), app_id) == ["application_rejected"]
    body = await owner.fetchval(
        "SELECT body FROM notify_message WHERE event = 'application_rejected' AND body LIKE $1",
        f"%#{app_id}%",
    )
    assert "仓储面积不符合要求" in body and f"/z/guangzhou/applications/{app_id}" in body
