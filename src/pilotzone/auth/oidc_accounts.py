"""Who an OIDC sign-in signs in: linked identity, verified email, or a provisioned account; see auth/oidc.py."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from pilotzone import db
from pilotzone.auth import audit
from pilotzone.auth.oidc import complete
from pilotzone.auth.oidc_providers import (
    MSG_DISABLED,
    MSG_ELSEWHERE,
    MSG_NO_ACCOUNT,
    MSG_UNVERIFIED,
    Provider,
    Rule,
    SignInFailed,
)
from pilotzone.auth.principal import load_memberships
from pilotzone.auth.services import add_membership, normalise_email
from pilotzone.auth.tables import PROVINCE_ROLES, User, UserIdentity, find_user
from pilotzone.tenancy.context import TenantContext, current_context, switch_tenant
from pilotzone.tenancy.tables import Tenant

log = logging.getLogger(__name__)


# -- who signs in ------------------------------------------------------------------------------


def _email(claims: dict[str, Any]) -> tuple[str, bool]:
    email = claims.get("email")
    email = normalise_email(email) if isinstance(email, str) and "@" in email and len(email) <= 254 else ""
    verified = claims.get("email_verified") in (True, "true")
    return email, verified


def matching_rules(provider: Provider, claims: dict[str, Any]) -> list[Rule]:
    raw = claims.get(provider.role_claim) if provider.role_claim else None
    values = (
        {raw}
        if isinstance(raw, str)
        else {v for v in raw if isinstance(v, str)}
        if isinstance(raw, list)
        else set()
    )
    return [rule for rule in provider.rules if rule.claim_value in values]


async def _check_may_sign_in(provider: Provider, user: User | None, email: str) -> User:
    if user is None or not user.is_active:
        raise SignInFailed("account_disabled", MSG_DISABLED, 403, email=email)
    if provider.tenant_id is None:
        return user
    if user.province_role:
        raise SignInFailed("account_elsewhere", MSG_ELSEWHERE, 403, "province account", email=email)
    ctx = current_context()
    await db.set_local({"app.user_id": str(user.id)})  # the user's own memberships become readable
    try:
        elsewhere = [
            m.tenant_slug for m in await load_memberships(user.id) if m.tenant_id != provider.tenant_id
        ]
    finally:
        await db.set_local({"app.user_id": str(ctx.user_id) if ctx and ctx.user_id is not None else ""})
    if elsewhere:
        raise SignInFailed(
            "account_elsewhere", MSG_ELSEWHERE, 403, f"memberships in {','.join(elsewhere)}", email=email
        )
    return user


async def _provision(provider: Provider, claims: dict[str, Any], email: str) -> User:
    rules = matching_rules(provider, claims)
    province_role = next(
        (r.role for r in rules if r.role in PROVINCE_ROLES and provider.tenant_id is None), None
    )
    claimed_name = claims.get("name")
    name = claimed_name if isinstance(claimed_name, str) else ""
    if province_role:  # the app role never writes a province role itself
        rows = await db.fetch(
            "SELECT pz_provision_province_user($1, $2, $3, $4, $5)",
            email,
            name.strip()[:100],
            province_role,
            claims["iss"],
            claims["sub"],
        )
        user = await find_user(User.id == rows[0][0])
        assert user is not None
    else:
        user = User(email=email, display_name=name.strip()[:100], password_hash=None)
        await user.save()
        await UserIdentity(user=user.id, issuer=claims["iss"], subject=claims["sub"]).save()
    granted: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    for rule in rules:
        if rule.role in PROVINCE_ROLES:
            continue
        tenant = (
            await Tenant.select(Tenant.id, Tenant.slug, Tenant.districts)
            .where((Tenant.slug == rule.tenant) & (Tenant.active == True))  # noqa: E712
            .output(load_json=True)
            .first()
        )
        if provider.tenant_id is not None and (tenant is None or tenant["id"] != provider.tenant_id):
            tenant = None  # a city's provider grants in its own city only
        codes = {d["code"] for d in (tenant or {}).get("districts") or []}
        if tenant is None or (rule.district_code and rule.district_code not in codes):
            log.warning("OIDC provider %s: rule %s names no active tenant/district", provider.key, rule)
            skipped.append({"claim_value": rule.claim_value, "tenant": rule.tenant, "role": rule.role})
            continue
        async with switch_tenant(TenantContext(tenant["id"], tenant["slug"])):
            membership = await add_membership(
                user.id,
                {"role": rule.role, "district_code": rule.district_code},
                actor_id=user.id,
                actor=email,
            )
        granted.append(
            {
                "tenant": tenant["slug"],
                "role": rule.role,
                "district_code": rule.district_code,
                "membership": membership.id,
            }
        )
    await audit.record(
        "user.provisioned",
        "user",
        user.id,
        after={
            "email": email,
            "provider": provider.key,
            "issuer": claims["iss"],
            "subject": claims["sub"],
            "province_role": province_role,
            "memberships": granted,
            "skipped_rules": skipped,
        },
        actor_id=user.id,
        actor=email,
    )
    return user


async def resolve_user(provider: Provider, claims: dict[str, Any]) -> tuple[User, bool]:
    """The account for these verified claims, and whether it was just created (see the module doc)."""
    issuer, subject = claims["iss"], claims["sub"]
    email, verified = _email(claims)
    identity = (
        await UserIdentity.objects()
        .where((UserIdentity.issuer == issuer) & (UserIdentity.subject == subject))
        .first()
    )
    if identity is not None:
        user = await find_user(User.id == identity.user)
        return await _check_may_sign_in(provider, user, email), False
    if email and verified:
        user = await find_user(User.email == email)
        if user is not None:
            user = await _check_may_sign_in(provider, user, email)
            await UserIdentity(user=user.id, issuer=issuer, subject=subject).save()
            await audit.record(
                "identity.linked",
                "user",
                user.id,
                after={
                    "provider": provider.key,
                    "issuer": issuer,
                    "subject": subject,
                    "by": "verified email",
                },
                actor_id=user.id,
                actor=user.email,
            )
            return user, False
    if not provider.auto_provision:
        raise SignInFailed("no_account", MSG_NO_ACCOUNT, 403, email=email)
    if not (email and verified):
        raise SignInFailed("email_not_verified", MSG_UNVERIFIED, 403, email=email)
    return await _provision(provider, claims, email), True


async def sign_in(
    provider: Provider, cookie: str | None, params: dict[str, str], redirect_uri: str
) -> tuple[User, str]:
    """The whole callback: the verified, resolved user and the local path to go on to.
    Raises :class:`SignInFailed`; nothing is written before every check has passed."""
    claims, flow = await complete(provider, cookie, params, redirect_uri)
    user, created = await resolve_user(provider, claims)
    await db.set_local({"app.user_id": str(user.id)})  # verified: the transaction acts for the user
    user.last_login_at = datetime.now(UTC)
    await user.save([User.last_login_at])
    await audit.record(
        "login.oidc",
        "user",
        user.id,
        after={
            "provider": provider.key,
            "issuer": claims["iss"],
            "subject": claims["sub"],
            "provisioned": created,
        },
        actor_id=user.id,
        actor=user.email,
    )
    return user, flow.next


async def record_failure(key: str, failure: SignInFailed) -> None:
    await audit.record(
        "login.oidc_failed",
        "oidc_provider",
        key,
        after={"reason": failure.reason, "detail": failure.detail[:300]},
        note=failure.reason,
        actor=failure.email,
    )
