"""Sign-in, throttling, invitations, password resets and memberships: plain functions."""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pilotzone.auth import audit
from pilotzone.auth.passwords import hash_password, password_problem, verify_password
from pilotzone.auth.tables import LoginFailure, Membership, OneTimeToken, User
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
    user = await User.objects().where(User.email == email).first()
    if user is None or not verify_password(user.password_hash, password) or not user.is_active:
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
class IssuedLink:
    token: str
    row: OneTimeToken


async def issue_invitation(
    email: str, tenant_id: int | None, grant: dict[str, Any], created_by: int | None
) -> IssuedLink:
    """An invitation to ``email`` carrying the membership (or province role) it grants."""
    token = secrets.token_urlsafe(32)
    row = OneTimeToken(
        token_hash=_hash(token),
        kind="invite",
        email=normalise_email(email),
        tenant=tenant_id,
        grant=grant,
        created_by=created_by,
        expires_at=datetime.now(UTC) + INVITE_TTL,
    )
    await row.save()
    await audit.record("invitation.issued", "invitation", row.id, after={"email": row.email, **grant})
    return IssuedLink(token, row)


async def issue_reset(user: User, created_by: int | None) -> IssuedLink:
    token = secrets.token_urlsafe(32)
    row = OneTimeToken(
        token_hash=_hash(token),
        kind="reset",
        email=user.email,
        user=user.id,
        created_by=created_by,
        expires_at=datetime.now(UTC) + RESET_TTL,
    )
    await row.save()
    await audit.record("password.reset_issued", "user", user.id)
    return IssuedLink(token, row)


async def find_link(token: str, kind: str) -> OneTimeToken | None:
    """A usable link (right kind, unused, not expired), locked for this transaction."""
    row = (
        await OneTimeToken.objects()
        .where((OneTimeToken.token_hash == _hash(token)) & (OneTimeToken.kind == kind))
        .output(load_json=True)
        .lock_rows()
        .first()
    )
    if row is None or row.used_at is not None or row.expires_at <= datetime.now(UTC):
        return None
    return row


async def accept_invitation(link: OneTimeToken, display_name: str, password: str) -> User:
    """Create (or reuse) the user and grant what the invitation carries; the link is spent."""
    problem = password_problem(password)
    user = await User.objects().where(User.email == link.email).first()
    if user is None:
        if problem:
            raise SignInRefused(problem)
        user = User(
            email=link.email, display_name=display_name.strip()[:100], password_hash=hash_password(password)
        )
        await user.save()
        await audit.record(
            "user.created", "user", user.id, after={"email": user.email}, actor_id=user.id, actor=user.email
        )
    elif not verify_password(user.password_hash, password):
        raise SignInRefused(N_("This email already has an account: enter its password to accept."))
    grant = dict(link.grant or {})
    if grant.get("province_role"):
        user.province_role = grant["province_role"]
        await user.save([User.province_role])
        await audit.record(
            "province_role.granted", "user", user.id, after=grant, actor_id=user.id, actor=user.email
        )
    else:
        await add_membership(user.id, grant, actor_id=user.id, actor=user.email)
    link.used_at = datetime.now(UTC)
    await link.save([OneTimeToken.used_at])
    return user


async def apply_reset(link: OneTimeToken, password: str) -> User:
    problem = password_problem(password)
    if problem:
        raise SignInRefused(problem)
    user = await User.objects().where(User.id == link.user).first()
    if user is None:
        raise SignInRefused(N_("This link is no longer valid."))
    user.password_hash = hash_password(password)
    await user.save([User.password_hash])
    link.used_at = datetime.now(UTC)
    await link.save([OneTimeToken.used_at])
    from pilotzone.auth.sessions import end_all_for

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
