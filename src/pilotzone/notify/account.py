"""Account mails: an invitation or password-reset link mailed to its address when an administrator
issues it (``auth.events.LinkIssued``, connected by ``app.wire()``). The link carries a one-time token
that the database keeps only as a hash, so these mails are not stored as messages: they are sent after
commit by a background task (three attempts: at once, after 2 s and 10 s), and the administrator still
sees the link to pass on by hand if the mail does not arrive."""

from __future__ import annotations

import asyncio
import logging

from pilotzone import db
from pilotzone.auth.events import LinkIssued
from pilotzone.notify.channels import SendFailed, send_email
from pilotzone.notify.events import Event
from pilotzone.notify.services import absolute
from pilotzone.notify.texts import render
from pilotzone.settings import get_settings
from pilotzone.tenancy.services import tenant_record
from pilotzone.web.i18n import LOCALES

log = logging.getLogger(__name__)
DELAYS = (0.0, 2.0, 10.0)
_tasks: set[asyncio.Task[bool]] = set()


async def _send(to: str, subject: str, body: str) -> bool:
    settings = get_settings()
    for delay in DELAYS:
        await asyncio.sleep(delay)
        try:
            await asyncio.to_thread(send_email, settings, to, subject, body)
            return True
        except SendFailed as exc:
            log.warning("account mail to %s not sent: %s", to, exc)
    return False


async def link_issued(issued: LinkIssued) -> None:
    """Render the mail now (in the issuing transaction), send it after commit."""
    if not get_settings().smtp_host:
        return
    event = Event.INVITATION if issued.kind == "invite" else Event.PASSWORD_RESET
    locale = get_settings().default_locale
    if issued.user_id is not None:
        rows = await db.fetch("SELECT language FROM pz_user WHERE id = $1", issued.user_id)
        locale = rows[0]["language"] if rows and rows[0]["language"] in LOCALES else locale
    title = "省级" if locale.startswith("zh") else "province level"
    if issued.tenant_id is not None:
        tenant = await tenant_record(issued.tenant_id)
        if tenant is not None:
            title = tenant.zone_zh if locale.startswith("zh") else tenant.zone_en
    text = render(event, locale, {"link": absolute(issued.path), "title": title})

    async def after_commit() -> None:
        task = asyncio.get_running_loop().create_task(_send(issued.email, text.subject, text.body))
        _tasks.add(task)
        task.add_done_callback(_tasks.discard)

    db.on_commit(after_commit)
