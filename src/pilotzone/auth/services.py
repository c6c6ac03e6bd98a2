"""Sign-in, throttling, invitations, password resets and memberships: plain functions."""

from __future__ import annotations

import hashlib
import json
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pilotzone import db
from pilotzone.auth import audit
from pilotzone.auth.passwords import hash_password, password_problem, verify_password
from pilotzone.auth.sessions import end_all_for
from pilotzone.auth.tables import LoginFailure, Membership, User, find_user
from pilotzone.web.labels import N_

# Throttling (OWASP authentication cheat sheet): failures count per (account, client address) and
# per address; nothing counts per account alone, so failures from elsewhere never lock the owner out.
WINDOW = timedelta(minutes=15)  # failures older than this are forgotten
PAIR_FREE = 5  # failed sign-ins per account and address before the delays start
PAIR_DELAY = timedelta(seconds=30)  # then 30 s, 1 min, 2 min, … (doubling, at most WINDOW) after each
IP_LIMIT = 20  # failed sign-ins per address per window, whatever the accounts
INVITE_TTL = timedelta(days=7)
RESET_TTL = timedelta(hours=24)


class SignInRefused(Exception):
    """``message`` is an English msgid for the form; ``minutes`` when throttled."""

    def __init__(self, message: str, minutes: int = 0) -> None:
        super().__init__(message)
        self.message, self.minutes = message, minutes


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def _wait(email: str, ip: str) -> timedelta:
    """How long this account may not be tried from this address (zero: go ahead)."""
    now = datetime.now(UTC)
    since = now - WINDOW
    pair = (
        await LoginFailure.select(LoginFailure.at)
        .where((LoginFailure.email == email) & (LoginFailure.ip == ip[:64]) & (LoginFailure.at > since))
        .order_by(LoginFailure.at)
    )
    wait = timedelta(0)
    if len(pair) >= PAIR_FREE:
        delay = min(WINDOW, PAIR_DELAY * 2 ** (len(pair) - PAIR_FREE))
        wait = max(wait, pair[-1]["at"] + delay - now)
    by_ip = (
        await LoginFailure.select(LoginFailure.at)
        .where((LoginFailure.ip == ip[:64]) & (LoginFailure.at > since))
        .order_by(LoginFailure.at, ascending=False)
        .limit(IP_LIMIT)
    )
    if len(by_ip) >= IP_LIMIT:
        wait = max(wait, by_ip[-1]["at"] + WINDOW - now)
    return wait


async def check_password(email: str, password: str) -> int | None:
    """The id of the active account with this email and password, else None. The hash comes from
    ``pz_login_lookup()`` (one lookup per transaction; the app role cannot select hashes); on a
    match this transaction acts for that user from here on (their own row becomes writable)."""
    rows = await db.fetch("SELECT id, password_hash FROM pz_login_lookup($1)", email)
    stored = rows[0] if rows else None
    if not verify_password(stored["password_hash"] if stored else None, password) or stored is None:
        return None
    await db.set_local({"app.user_id": str(stored["id"])})
    return stored["id"]


async def authenticate(email: str, password: str, ip: str) -> User:
    """The user for these credentials, or SignInRefused (failures are recorded and audited).

    A throttled (account, address) is refused before the password is looked at, the right one too:
    the attacker is slowed. The owner signing in from another address is not affected, and a
    success clears only its own address's failures (not the attacker's)."""
    email = normalise_email(email)
    wait = await _wait(email, ip)
    if wait > timedelta(0):
        await audit.record("login.throttled", "user", email, note=f"ip={ip}", actor=email)
        minutes = max(1, math.ceil(wait.total_seconds() / 60))
        raise SignInRefused(N_("Too many failed sign-ins. Try again in %(minutes)s minutes."), minutes)
    user_id = await check_password(email, password)
    user = await find_user(User.id == user_id) if user_id is not None else None
    if user is None:
        await LoginFailure(email=email, ip=ip[:64]).save()
        await audit.record("login.failed", "user", email, actor=email, note=f"ip={ip}")
        raise SignInRefused(N_("Wrong email or password."))
    await LoginFailure.delete().where((LoginFailure.email == email) & (LoginFailure.ip == ip[:64]))
    user.last_login_at = datetime.now(UTC)
    await user.save([User.last_login_at])
    await audit.record("login", "user", user.id, actor_id=user.id, actor=user.email)
    return user


# -- one-time links ----------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Link:
    """A usable one-time link (read through ``pz_find_link()``: the app role sees no other tokens)."""

    id: int
    token_hash: str
    kind: str
    email: str
    user: int | None
    tenant: int | None
    grant: dict[str, Any]
    expires_at: datetime


@dataclass(frozen=True)
class IssuedLink:
    token: str
    id: int


async def _issue(
    kind: str,
    email: str,
    user_id: int | None,
    tenant_id: int | None,
    grant: dict[str, Any],
    created_by: int | None,
    ttl: timedelta,
) -> IssuedLink:
    """Through ``pz_issue_link()``, which refuses unless the caller administers where it leads."""
    token = secrets.token_urlsafe(32)
    rows = await db.fetch(
        "SELECT pz_issue_link($1, $2, $3, $4, $5, $6::jsonb, $7, $8)",
        _hash(token),
        kind,
        email,
        user_id,
        tenant_id,
        json.dumps(grant),
        created_by,
        datetime.now(UTC) + ttl,
    )
    return IssuedLink(token, rows[0][0])


async def issue_invitation(
    email: str, tenant_id: int | None, grant: dict[str, Any], created_by: int | None, actor: str | None = None
) -> IssuedLink:
    """An invitation to ``email`` carrying the membership (or province role) it grants."""
    email = normalise_email(email)
    link = await _issue("invite", email, None, tenant_id, grant, created_by, INVITE_TTL)
    await audit.record(
        "invitation.issued", "invitation", link.id, after={"email": email, **grant}, actor=actor
    )
    return link


async def issue_reset(user: User, created_by: int | None) -> IssuedLink:
    link = await _issue("reset", user.email, user.id, None, {}, created_by, RESET_TTL)
    await audit.record("password.reset_issued", "user", user.id)
    return link


async def find_link(token: str, kind: str) -> Link | None:
    """A usable link (right kind, unused, not expired), locked for this transaction."""
    rows = await db.fetch("SELECT pz_find_link($1, $2)", _hash(token), kind)
    if not rows or rows[0][0] is None:
        return None
    data = json.loads(rows[0][0])
    return Link(
        id=data["id"],
        token_hash=_hash(token),
        kind=data["kind"],
        email=data["email"],
        user=data["user"],
        tenant=data["tenant"],
        grant=data["grant"] or {},
        expires_at=datetime.fromisoformat(data["expires_at"]),
    )


async def _spend(link: Link) -> None:
    await db.fetch("SELECT pz_spend_link($1)", link.token_hash)


async def accept_invitation(link: Link, display_name: str, password: str) -> User:
    """Create (or reuse) the user and grant what the invitation carries; the link is spent."""
    problem = password_problem(password)
    user = await find_user(User.email == link.email)
    if user is None:
        if problem:
            raise SignInRefused(problem)
        user = User(
            email=link.email, display_name=display_name.strip()[:100], password_hash=hash_password(password)
        )
        await user.save()
        await db.set_local({"app.user_id": str(user.id)})  # from here on the transaction acts for them
        await audit.record(
            "user.created", "user", user.id, after={"email": user.email}, actor_id=user.id, actor=user.email
        )
    elif await check_password(link.email, password) != user.id:
        raise SignInRefused(N_("This email already has an account: enter its password to accept."))
    grant = dict(link.grant or {})
    if grant.get("province_role"):  # checked, set and spent in the database
        rows = await db.fetch("SELECT pz_accept_province_invite($1)", link.token_hash)
        user.province_role = rows[0][0]
        await audit.record(
            "province_role.granted", "user", user.id, after=grant, actor_id=user.id, actor=user.email
        )
    else:
        await add_membership(user.id, grant, actor_id=user.id, actor=user.email)
        await _spend(link)
    return user


async def apply_reset(link: Link, password: str) -> User:
    problem = password_problem(password)
    if problem:
        raise SignInRefused(problem)
    if link.user is None:
        raise SignInRefused(N_("This link is no longer valid."))
    await db.set_local({"app.user_id": str(link.user)})  # the link speaks for its user
    user = await find_user(User.id == link.user)
    if user is None:
        raise SignInRefused(N_("This link is no longer valid."))
    user.password_hash = hash_password(password)
    await user.save([User.password_hash])
    await _spend(link)
    await end_all_for(user.id)
    await audit.record("password.reset", "user", user.id, actor_id=user.id, actor=user.email)
    return user


# -- memberships -------------------------------------------------------------------------------


def membership_values(grant: dict[str, Any]) -> dict[str, Any]:
    return {
        "role": grant["role"],
        "district_code": grant.get("district_code") or "",
        "park": grant.get("park_id"),
        "enterprise": grant.get("enterprise_id"),
    }


async def add_membership(
    user_id: int, grant: dict[str, Any], actor_id: int | None = None, actor: str | None = None
) -> Membership:
    values = membership_values(grant)
    existing = (
        await Membership.objects()
        .where(
            (Membership.user == user_id)
            & (Membership.role == values["role"])
            & (Membership.district_code == values["district_code"])
        )
        .first()
    )
    if (
        existing is not None
        and existing.park == values["park"]
        and existing.enterprise == values["enterprise"]
    ):
        if not existing.active:
            existing.active = True
            await existing.save([Membership.active])
        return existing
    membership = Membership(user=user_id, **values)
    await membership.save()
    await audit.record(
        "membership.added",
        "membership",
        membership.id,
        after={"user": user_id, **values},
        actor_id=actor_id,
        actor=actor,
    )
    return membership
