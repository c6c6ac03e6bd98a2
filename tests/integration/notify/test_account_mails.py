"""Invitation and password-reset links reach their address by email (rendered in the user's language
for a reset), while the page still shows the link for the administrator to pass on by hand."""

from __future__ import annotations

import asyncio
import re
import uuid
from pathlib import Path

from tests import factories
from tests.integration.notify.servers import mails_to, text_of

from pilotzone.notify.inbox import save_profile
from pilotzone.tenancy.context import TenantContext, tenant_transaction

LINK = re.compile(r"http://testserver\.local(/(?:z/\w+/)?(?:invite|reset)/[\w-]+)")


async def _mail_to(mailbox: Path, address: str, wait: float = 15.0):  # type: ignore[no-untyped-def]
    for _ in range(int(wait / 0.1)):
        found = mails_to(mailbox, address)
        if found:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"no mail to {address}")


async def test_invitation_is_mailed_and_still_shown(channels: None, mailbox: Path, admin_gz, owner) -> None:
    email = f"invited-{uuid.uuid4().hex[:6]}@example.cn"
    try:
        page = await admin_gz.post(
            "/z/guangzhou/admin/users/invite", data={"email": email, "role": "bureau_reviewer"}
        )
        assert page.status_code in (200, 201)
        path = LINK.search(page.text).group(1)  # shown to the admin as before
        (mail,) = await _mail_to(mailbox, email)
        assert mail["Subject"] == "综试通账号邀请"
        assert f"http://127.0.0.1:8000{path}" in text_of(mail) and "广州" in text_of(mail)
        stored = await owner.fetchval("SELECT count(*) FROM notify_message WHERE email = $1", email)
        assert stored == 0  # the token is never stored in clear
    finally:
        await owner.execute("DELETE FROM one_time_token WHERE email = $1", email)


async def test_reset_link_is_mailed_in_the_users_language(
    channels: None, mailbox: Path, admin_gz, owner
) -> None:
    person, membership = await factories.member("guangzhou", "bureau_reviewer")
    try:
        ctx = TenantContext(await factories.tenant_id("guangzhou"), "guangzhou", "tenant", person.id)
        async with tenant_transaction(ctx):
            await save_profile(person.id, language="en")
        issued = await admin_gz.post(f"/z/guangzhou/admin/users/memberships/{membership.id}/reset")
        path = LINK.search(issued.text).group(1)
        (mail,) = await _mail_to(mailbox, person.email)
        assert mail["Subject"] == "Set a new PilotZone password"
        assert f"http://127.0.0.1:8000{path}" in text_of(mail)
    finally:
        await owner.execute("DELETE FROM pz_user WHERE id = $1", person.id)
