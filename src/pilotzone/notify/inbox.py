"""The signed-in user's side: the inbox (list, unread count, mark read), the channel grid and the
profile fields notify needs (language, phone). Every function works in the request's transaction on
the current tenant (RLS) and on the given user's own rows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from pilotzone import db
from pilotzone.notify.codes import Channel
from pilotzone.notify.events import ACCOUNT_EVENTS, EMAIL_BY_DEFAULT, Event
from pilotzone.notify.tables import NotifyMessage, NotifyPreference
from pilotzone.web.i18n import LOCALES

PAGE_SIZE = 50
# where a message may lead on this site (a stored link is shown as a link only if it is one of ours)
_LOCAL = re.compile(r"^/[^/\\]")


def local_link(link: str) -> str:
    """``link`` if it is a path of this site, else "" (never an open redirect or a foreign href)."""
    return link if _LOCAL.match(link or "") else ""


async def messages(user_id: int, limit: int = PAGE_SIZE, offset: int = 0) -> list[NotifyMessage]:
    return (
        await NotifyMessage.objects()
        .where(NotifyMessage.recipient == user_id)
        .order_by(NotifyMessage.id, ascending=False)
        .limit(limit)
        .offset(offset)
    )


async def count(user_id: int) -> int:
    return await NotifyMessage.count().where(NotifyMessage.recipient == user_id)


async def unread_count(user_id: int) -> int:
    rows = await db.fetch(
        "SELECT count(*) AS n FROM notify_message WHERE recipient = $1 AND read_at IS NULL", user_id
    )
    return int(rows[0]["n"])


async def mark_read(user_id: int, message_id: int | None = None) -> int:
    """Mark one message (or, with None, all) of ``user_id`` read; how many changed."""
    sql = "UPDATE notify_message SET read_at = $2 WHERE recipient = $1 AND read_at IS NULL"
    args: list[object] = [user_id, datetime.now(UTC)]
    if message_id is not None:
        sql += " AND id = $3"
        args.append(message_id)
    rows = await db.fetch(sql + " RETURNING id", *args)
    return len(rows)


async def message(user_id: int, message_id: int) -> NotifyMessage | None:
    return (
        await NotifyMessage.objects()
        .where(NotifyMessage.recipient == user_id, NotifyMessage.id == message_id)
        .first()
    )


# -- channel choices -----------------------------------------------------------------------------

CHOOSABLE = tuple(e for e in Event if e not in ACCOUNT_EVENTS)


@dataclass(frozen=True)
class Choice:
    event: Event
    email: bool
    sms: bool


async def choices(user_id: int) -> list[Choice]:
    """The user's channels per event (in-app is always on; account mails are always emailed)."""
    rows = {
        r["event"]: r
        for r in await NotifyPreference.select(
            NotifyPreference.event, NotifyPreference.email, NotifyPreference.sms
        ).where(NotifyPreference.user == user_id)
    }
    return [
        Choice(e, rows[e]["email"], rows[e]["sms"]) if e in rows else Choice(e, e in EMAIL_BY_DEFAULT, False)
        for e in CHOOSABLE
    ]


async def save_choices(user_id: int, chosen: set[tuple[Event, Channel]]) -> None:
    """Store the whole grid: ``chosen`` holds every (event, channel) that is on."""
    for event in CHOOSABLE:
        await db.fetch(
            """INSERT INTO notify_preference (tenant_id, "user", event, email, sms)
               VALUES (NULLIF(current_setting('app.tenant_id', true), '')::int, $1, $2, $3, $4)
               ON CONFLICT (tenant_id, "user", event) DO UPDATE SET email = excluded.email, sms = excluded.sms""",
            user_id,
            event.value,
            (event, Channel.EMAIL) in chosen,
            (event, Channel.SMS) in chosen,
        )


# -- the user's own profile fields (pz_user: a user updates only their own row) ------------------

PHONE = re.compile(r"^\+?[0-9][0-9 -]{5,28}$")


async def profile(user_id: int) -> tuple[str, str]:
    rows = await db.fetch("SELECT language, phone FROM pz_user WHERE id = $1", user_id)
    return (rows[0]["language"], rows[0]["phone"]) if rows else ("zh_CN", "")


async def save_profile(user_id: int, *, phone: str | None = None, language: str | None = None) -> None:
    """Set the user's phone (checked: digits, spaces, dashes, an optional +) and/or language."""
    if phone is not None:
        phone = phone.strip()
        if phone and not PHONE.match(phone):
            raise ValueError("phone")
        await db.fetch("UPDATE pz_user SET phone = $2 WHERE id = $1", user_id, phone)
    if language is not None and language in LOCALES:
        await db.fetch("UPDATE pz_user SET language = $2 WHERE id = $1 AND language <> $2", user_id, language)
