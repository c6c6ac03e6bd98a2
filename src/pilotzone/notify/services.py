"""Events into messages: :func:`emit` (in the caller's tenant transaction) and :func:`users_of` (who
should hear of something), the inbox and each user's channel choices.

``emit`` writes one in-app message per recipient, rendered in the recipient's language, and one
delivery per extra channel the recipient chose (email, SMS) that the deployment has configured; the
deliveries are sent after commit through the job outbox (:mod:`pilotzone.notify.delivery`). ``key``
makes it idempotent: a key already given to a recipient gives that recipient nothing more.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pilotzone import db
from pilotzone.jobs.services import start_run
from pilotzone.notify import delivery
from pilotzone.notify.codes import Channel
from pilotzone.notify.events import ACCOUNT_EVENTS, EMAIL_BY_DEFAULT, Event
from pilotzone.notify.tables import NotifyPreference, NotifyText
from pilotzone.notify.texts import TextOverride, render
from pilotzone.settings import get_settings
from pilotzone.web.i18n import LOCALES, get_locale

_INSERT = """
INSERT INTO notify_message (tenant_id, recipient, email, event, locale, subject, body, link, key)
VALUES (NULLIF(current_setting('app.tenant_id', true), '')::int, $1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT DO NOTHING
RETURNING id
"""
_DELIVERY = """
INSERT INTO notify_delivery (tenant_id, message, channel, address)
VALUES (NULLIF(current_setting('app.tenant_id', true), '')::int, $1, $2, $3)
"""


def absolute(link: str) -> str:
    """A path made into a full address on ``PUBLIC_URL`` (a full URL stays as it is)."""
    if not link or "://" in link:
        return link
    return get_settings().public_url + ("" if link.startswith("/") else "/") + link


def channels_configured() -> set[Channel]:
    settings = get_settings()
    configured = set()
    if settings.smtp_host:
        configured.add(Channel.EMAIL)
    if settings.sms_gateway_url:
        configured.add(Channel.SMS)
    return configured


async def _override(event: Event) -> TextOverride | None:
    row = await NotifyText.objects().where(NotifyText.event == event).first()
    if row is None:
        return None
    return TextOverride(row.subject_zh, row.body_zh, row.subject_en, row.body_en)


async def emit(
    event: Event | str,
    to: Iterable[int] = (),
    *,
    link: str = "",
    params: Mapping[str, Any] | None = None,
    key: str | None = None,
    emails: Iterable[str] = (),
) -> list[int]:
    """Tell the users ``to`` (and, for account mails, addresses without an account: ``emails``) of
    ``event``, inside the caller's tenant transaction. Returns the ids of the messages written (a
    recipient who already has ``key`` gets none). Sending happens after commit; a failed channel never
    undoes the caller's work."""
    event = Event(event)
    values: dict[str, Any] = {k: v for k, v in (params or {}).items() if k != "link"}
    values["link"] = absolute(link)
    override = await _override(event)
    configured = channels_configured()
    user_ids = list(dict.fromkeys(int(u) for u in to))
    users = await db.fetch(
        "SELECT id, email, language, phone FROM pz_user WHERE id = ANY($1::int[]) AND is_active", user_ids
    )
    prefs = {
        p["user"]: p
        for p in await NotifyPreference.select(
            NotifyPreference.user, NotifyPreference.email, NotifyPreference.sms
        ).where(NotifyPreference.user.is_in(user_ids or [0]), NotifyPreference.event == event)
    }
    written: list[int] = []
    owed = False
    for user in users:
        pref = prefs.get(user["id"])
        wants_email = event in ACCOUNT_EVENTS or (pref["email"] if pref else event in EMAIL_BY_DEFAULT)
        wants_sms = event not in ACCOUNT_EVENTS and bool(pref and pref["sms"])
        chosen = {
            Channel.EMAIL: user["email"] if wants_email else "",
            Channel.SMS: user["phone"] if wants_sms else "",
        }
        message = await _write(
            event, user["id"], "", user["language"] or "zh_CN", values, override, link, key
        )
        if message is None:
            continue
        written.append(message)
        for channel, address in chosen.items():
            if address and channel in configured:
                await db.fetch(_DELIVERY, message, channel.value, address)
                owed = True
    for address in dict.fromkeys(e.strip().lower() for e in emails if e.strip()):
        message = await _write(event, None, address, get_locale(), values, override, link, key)
        if message is None:
            continue
        written.append(message)
        if Channel.EMAIL in configured:
            await db.fetch(_DELIVERY, message, Channel.EMAIL.value, address)
            owed = True
    if owed:
        await start_run(delivery.KIND)  # the job outbox: sent after commit, re-sent if the broker was down
    return written


async def _write(
    event: Event,
    user_id: int | None,
    email: str,
    locale: str,
    values: Mapping[str, Any],
    override: TextOverride | None,
    link: str,
    key: str | None,
) -> int | None:
    locale = locale if locale in LOCALES else "zh_CN"
    text = render(event, locale, values, override)
    rows = await db.fetch(
        _INSERT, user_id, email, event.value, locale, text.subject, text.body, link[:500], key
    )
    return rows[0]["id"] if rows else None


async def users_of(
    roles: Iterable[str] = (),
    *,
    enterprise_id: int | None = None,
    park_id: int | None = None,
    district: str | None = None,
) -> list[int]:
    """The active users of the current tenant holding one of ``roles`` (none given: any role), narrowed
    to the memberships of an enterprise, a park or a district when given."""
    conditions = ["m.active", "u.is_active"]
    args: list[Any] = []
    for column, value in (
        ("m.role", list(roles) or None),
        ("m.enterprise", enterprise_id),
        ("m.park", park_id),
        ("m.district_code", district),
    ):
        if value is None:
            continue
        args.append(value)
        conditions.append(
            f"{column} = ANY(${len(args)}::text[])" if column == "m.role" else f"{column} = ${len(args)}"
        )
    where = " AND ".join(conditions)  # constant text; the values are parameters
    sql = f'SELECT DISTINCT m."user" AS id FROM membership m JOIN pz_user u ON u.id = m."user" WHERE {where} ORDER BY 1'  # noqa: S608, E501
    return [row["id"] for row in await db.fetch(sql, *args)]
