"""The inbox pages: the unread count in the header, the list newest first with unread marked, mark one
and all read with plain POST forms, the link to the object; the preferences grid and the phone."""

from __future__ import annotations

import re

from tests import factories
from tests.support import csrf_of, demo

from pilotzone.notify.events import Event
from pilotzone.notify.services import emit

GZ = "/z/guangzhou"


async def test_unread_count_list_and_mark_read(as_user, owner) -> None:
    person, _ = await factories.member("guangzhou", "bureau_reviewer")
    try:
        async with factories.acting_in("guangzhou"):
            first = await emit(
                Event.INFO_ANSWERED, [person.id], link=f"{GZ}/applications/1", params={"reference": "#1"}
            )
            second = await emit(
                Event.OBJECTION_FILED, [person.id], link="https://evil.example/x", params={"reference": "#2"}
            )
        async with as_user(person.email) as client:
            page = await client.get(f"{GZ}/inbox/")
            assert page.status_code == 200
            assert "站内信（2）" in page.text  # the header's count
            assert page.text.index(f'id="message-{second[0]}"') < page.text.index(f'id="message-{first[0]}"')
            assert "收到异议：#2" in page.text and "补正材料已提交：#1" in page.text
            assert "2 条未读消息" in page.text
            assert 'evil.example/x"' not in page.text  # a foreign link is never made a link

            token = await csrf_of(client)
            opened = await client.post(
                f"{GZ}/inbox/{first[0]}/read", data={"csrf_token": token, "go": "1"}, follow_redirects=False
            )
            assert opened.status_code == 303 and opened.headers["location"] == f"{GZ}/applications/1"
            page = await client.get(f"{GZ}/inbox/")
            assert "站内信（1）" in page.text and "1 条未读消息" in page.text
            assert re.search(rf'id="message-{first[0]}" class="read"', page.text)

            done = await client.post(
                f"{GZ}/inbox/read-all", data={"csrf_token": token}, follow_redirects=False
            )
            assert done.status_code == 303
            page = await client.get(f"{GZ}/inbox/")
            assert "站内信（0）" in page.text and "全部标为已读" not in page.text
            one = await client.get(f"{GZ}/inbox/{second[0]}")
            assert one.status_code == 200 and "收到异议：#2" in one.text
        async with as_user(demo("reviewer", "guangzhou")) as other:
            assert (await other.get(f"{GZ}/inbox/{second[0]}")).status_code == 404  # someone else's message
    finally:
        await owner.execute("DELETE FROM pz_user WHERE id = $1", person.id)


async def test_preferences_grid_and_phone(as_user, owner) -> None:
    person, _ = await factories.member("guangzhou", "bureau_reviewer")
    try:
        async with as_user(person.email) as client:
            page = await client.get(f"{GZ}/inbox/preferences")
            assert page.status_code == 200
            assert 'name="email:info_requested" checked' in page.text  # important: email on by default
            assert 'name="sms:info_requested" checked' not in page.text  # sms off by default
            assert "email:invitation" not in page.text  # account mails are not a choice
            token = await csrf_of(client)
            bad = await client.post(
                f"{GZ}/inbox/preferences",
                data={"csrf_token": token, "phone": "call me"},
                follow_redirects=False,
            )
            assert bad.status_code == 400 and 'aria-invalid="true"' in bad.text
            saved = await client.post(
                f"{GZ}/inbox/preferences",
                data={"csrf_token": token, "phone": "+86 139 0000 0000", "sms:payment_recorded": "on"},
                follow_redirects=False,
            )
            assert saved.status_code == 303
            page = await client.get(saved.headers["location"])
            assert "设置已保存" in page.text and 'value="+86 139 0000 0000"' in page.text
            assert 'name="sms:payment_recorded" checked' in page.text
            assert 'name="email:info_requested" checked' not in page.text  # the whole grid was saved
        row = await owner.fetchrow("SELECT phone FROM pz_user WHERE id = $1", person.id)
        assert row["phone"] == "+86 139 0000 0000"
    finally:
        await owner.execute("DELETE FROM pz_user WHERE id = $1", person.id)


async def test_the_language_a_user_chose_is_remembered_for_messages(as_user, owner) -> None:
    person, _ = await factories.member("guangzhou", "bureau_reviewer")
    try:
        async with as_user(person.email) as client:
            token = await csrf_of(client)
            chose = await client.post("/lang", data={"lang": "en", "next": f"{GZ}/inbox/", "csrf_token": token})
            assert chose.status_code == 200  # followed to the inbox, now in English
            assert await owner.fetchval("SELECT language FROM pz_user WHERE id = $1", person.id) == "en"
        async with factories.acting_in("guangzhou"):
            await emit(Event.INFO_ANSWERED, [person.id], params={"reference": "#3"})
        subject = await owner.fetchval("SELECT subject FROM notify_message WHERE recipient = $1", person.id)
        assert subject == "Information provided for #3"
    finally:
        await owner.execute("DELETE FROM pz_user WHERE id = $1", person.id)
