"""Server-side sessions in PostgreSQL. The cookie holds a random token; the table holds its sha256.

Login rotates: any session the browser had is deleted and a new token issued. Sessions slide
(``IDLE``) up to an absolute limit (``ABSOLUTE``).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from litestar.datastructures import Cookie

from pilotzone import db
from pilotzone.auth.tables import Session
from pilotzone.settings import get_settings

COOKIE = "pz_session"
IDLE = timedelta(hours=8)
ABSOLUTE = timedelta(hours=24)
TOUCH_EVERY = timedelta(minutes=5)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class MembershipInfo:
    id: int
    tenant_id: int
    tenant_slug: str
    tenant_name_zh: str
    tenant_name_en: str
    role: str
    district_code: str
    park_id: int | None
    enterprise_id: int | None


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """What the request knows about its session (loaded before the tenant transaction)."""

    id: int
    user_id: int
    email: str
    display_name: str
    province_role: str | None
    membership_id: int | None
    province: bool
    csrf_token: str
    memberships: tuple[MembershipInfo, ...] = ()  # the user's own, in every tenant


async def load(token: str | None) -> SessionInfo | None:
    """The session for a cookie value, with its user's memberships (one round trip through
    ``pz_session_principal()``); expired or disabled sessions are deleted and give None."""
    if not token or len(token) > 100:
        return None
    rows = await db.fetch_global("SELECT pz_session_principal($1)", token_hash(token))
    if not rows or rows[0][0] is None:
        return None
    data = json.loads(rows[0][0])
    row = data["session"]
    now = datetime.now(UTC)
    created, last_seen = (
        datetime.fromisoformat(row["created_at"]),
        datetime.fromisoformat(row["last_seen_at"]),
    )
    if datetime.fromisoformat(row["expires_at"]) <= now or not row["is_active"] or created + ABSOLUTE <= now:
        await db.fetch_global("SELECT pz_session_end($1)", token_hash(token))
        return None
    if now - last_seen > TOUCH_EVERY:
        await db.fetch_global("SELECT pz_session_touch($1, $2, $3)", token_hash(token), IDLE, ABSOLUTE)
    return SessionInfo(
        id=row["id"],
        user_id=row["user_id"],
        email=row["email"],
        display_name=row["display_name"],
        province_role=row["province_role"],
        membership_id=row["membership_id"],
        province=row["province"],
        csrf_token=row["csrf_token"],
        memberships=tuple(MembershipInfo(**m) for m in data["memberships"]),
    )


async def start(user_id: int, old_token: str | None, ip: str, user_agent: str) -> tuple[str, Session]:
    """A new session (rotation: the browser's previous session, if any, is deleted)."""
    if old_token:  # whoever holds a token may end its session (it may be another user's)
        await db.fetch("SELECT pz_session_end($1)", token_hash(old_token))
    # from here on this (sign-in) transaction acts for the user: their sessions and memberships
    await db.set_local({"app.user_id": str(user_id)})
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    session = Session(
        token_hash=token_hash(token),
        user=user_id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + IDLE,
        ip=ip[:64],
        user_agent=user_agent[:300],
    )
    await session.save()
    return token, session


async def end(session_id: int) -> None:
    await Session.delete().where(Session.id == session_id)


async def end_all_for(user_id: int) -> None:
    """The user's sessions (RLS: only in a transaction acting for that user)."""
    await Session.delete().where(Session.user == user_id)


async def choose(session_id: int, membership_id: int | None, province: bool) -> None:
    await Session.update({Session.membership_id: membership_id, Session.province: province}).where(
        Session.id == session_id
    )


def cookie(token: str) -> Cookie:
    return Cookie(
        key=COOKIE,
        value=token,
        httponly=True,
        samesite="lax",
        secure=get_settings().production,
        path="/",
        max_age=int(ABSOLUTE.total_seconds()),
    )


def expired_cookie() -> Cookie:
    return Cookie(
        key=COOKIE,
        value="",
        httponly=True,
        samesite="lax",
        path="/",
        max_age=0,
        secure=get_settings().production,
    )
