"""Managing users: a tenant's memberships (bureau admins; province admins for bureau admins only)
and provincial users (province admins). Every change is audited with before/after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec

from pilotzone import db
from pilotzone.auth import audit, events, services
from pilotzone.auth.principal import Principal, current_principal
from pilotzone.auth.scopes import directory
from pilotzone.auth.tables import PROVINCE_ROLES, TENANT_ROLES, Membership, OneTimeToken, User, find_user
from pilotzone.tenancy.context import TenantContext, tenant_transaction
from pilotzone.tenancy.middleware import current_tenant_districts
from pilotzone.tenancy.services import list_tenants
from pilotzone.web.labels import N_


class MemberInvite(msgspec.Struct):
    """The invitation form of a tenant's users page (fields as text, checked by :func:`invite_member`):
    the email and the role, with the district, park or enterprise the role needs."""

    email: str = ""
    role: str = ""
    district_code: str = ""
    park_id: str = ""
    enterprise_id: str = ""


class ProvincialInvite(msgspec.Struct):
    """The invitation form of the provincial users page (checked by :func:`invite_provincial`)."""

    email: str = ""
    province_role: str = ""


class AdminError(Exception):
    """``field`` names the form field; ``message`` is an English msgid."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


_MEMBERS = """
SELECT m.id, m.role, m.district_code, m.park AS park_id, m.enterprise AS enterprise_id, m.active,
       u.id AS user_id, u.email, u.display_name, u.last_login_at, p.name_zh AS park_name, e.name AS enterprise_name
  FROM membership m
  JOIN pz_user u ON u.id = m."user"
  LEFT JOIN park p ON p.id = m.park
  LEFT JOIN enterprise e ON e.id = m.enterprise
 ORDER BY m.active DESC, u.email, m.id
"""


async def tenant_members() -> list[dict]:
    """Memberships of the current tenant (RLS) with their users."""
    return [dict(r) for r in await db.fetch(_MEMBERS)]


async def pending_invitations(tenant_id: int | None) -> list[dict]:
    now = datetime.now(UTC)
    query = OneTimeToken.select(
        OneTimeToken.id, OneTimeToken.email, OneTimeToken.grant, OneTimeToken.expires_at
    ).where(
        (OneTimeToken.kind == "invite") & OneTimeToken.used_at.is_null() & (OneTimeToken.expires_at > now)
    )
    query = (
        query.where(OneTimeToken.tenant == tenant_id)
        if tenant_id
        else query.where(OneTimeToken.tenant.is_null())
    )
    return await query.order_by(OneTimeToken.id, ascending=False).output(load_json=True)


async def validate_grant(principal: Principal, form: MemberInvite) -> dict[str, Any]:
    """The membership a form asks for, checked against this tenant's districts, parks and enterprises."""
    role = form.role
    if role not in TENANT_ROLES:
        raise AdminError("role", N_("Choose a role."))
    if principal.province and role != "bureau_admin":
        raise AdminError("role", N_("Provincial administrators appoint bureau administrators only."))
    grant: dict[str, Any] = {"role": role}
    if role == "district_reviewer":
        code = form.district_code
        if code not in current_tenant_districts():
            raise AdminError("district_code", N_("Choose a district of this pilot zone."))
        grant["district_code"] = code
    elif role == "park_operator":
        park_id = _int(form.park_id)
        if not await directory().park_exists(park_id):
            raise AdminError("park_id", N_("Choose a park of this pilot zone."))
        grant["park_id"] = park_id
    elif role == "enterprise_user":
        enterprise_id = _int(form.enterprise_id)
        if not await directory().enterprise_exists(enterprise_id):
            raise AdminError("enterprise_id", N_("Choose an enterprise of this pilot zone."))
        grant["enterprise_id"] = enterprise_id
    return grant


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return -1


def valid_email(email: str) -> str:
    email = services.normalise_email(email)
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email or len(email) > 254:
        raise AdminError("email", N_("Enter a valid email address."))
    return email


@dataclass
class Invitation:
    email: str
    path: str


async def invite_member(principal: Principal, tenant_id: int, slug: str, form: MemberInvite) -> Invitation:
    email = valid_email(form.email)
    grant = await validate_grant(principal, form)
    link = await services.issue_invitation(email, tenant_id, grant, principal.user_id)
    await events.link_issued(events.LinkIssued("invite", email, f"/z/{slug}/invite/{link.token}", tenant_id))
    return Invitation(email, f"/z/{slug}/invite/{link.token}")


async def membership_of_tenant(membership_id: int) -> Membership | None:
    return await Membership.objects().where(Membership.id == membership_id).first()


async def set_membership_active(principal: Principal, membership_id: int, active: bool) -> Membership:
    membership = await membership_of_tenant(membership_id)
    if membership is None:
        raise AdminError("membership", N_("No such membership in this pilot zone."))
    if principal.province and membership.role != "bureau_admin":
        raise AdminError("membership", N_("Provincial administrators appoint bureau administrators only."))
    own = membership.user == principal.user_id or (
        principal.acting is not None and membership.id == principal.acting.id
    )
    if not active and own:  # any of one's own memberships, not only the acting one
        raise AdminError(
            "membership", N_("You cannot remove your own role: another bureau administrator has to do it.")
        )
    before = {"active": membership.active, "role": membership.role}
    membership.active = active
    await membership.save([Membership.active])
    if not active:  # the user's sessions acting with this membership end now
        await db.fetch("SELECT pz_end_membership_sessions($1)", membership.id)
    await audit.record(
        "membership.activated" if active else "membership.deactivated",
        "membership",
        membership.id,
        before=before,
        after={"active": active, "role": membership.role, "user": membership.user},
    )
    return membership


async def reset_link_for_member(membership_id: int) -> Invitation:
    """A one-time password link for a user who belongs to this tenant (shown once to the admin)."""
    membership = await membership_of_tenant(membership_id)
    if membership is None:
        raise AdminError("membership", N_("No such membership in this pilot zone."))
    user = await find_user(User.id == membership.user)
    assert user is not None
    link = await services.issue_reset(user, current_principal().user_id)
    await events.link_issued(events.LinkIssued("reset", user.email, f"/reset/{link.token}", membership.tenant, user.id))
    return Invitation(user.email, f"/reset/{link.token}")


# -- provincial users --------------------------------------------------------------------------


async def provincial_users() -> list[dict]:
    return (
        await User.select(User.id, User.email, User.display_name, User.province_role, User.last_login_at)
        .where(User.province_role.is_not_null())
        .order_by(User.email)
    )


async def invite_provincial(principal: Principal, form: ProvincialInvite) -> Invitation:
    email = valid_email(form.email)
    role = form.province_role
    if role not in PROVINCE_ROLES:
        raise AdminError("province_role", N_("Choose a role."))
    link = await services.issue_invitation(email, None, {"province_role": role}, principal.user_id)
    await events.link_issued(events.LinkIssued("invite", email, f"/invite/{link.token}", None))
    return Invitation(email, f"/invite/{link.token}")


async def revoke_provincial(principal: Principal, user_id: int) -> None:
    user = await find_user(User.id == user_id)
    if user is None or user.province_role is None:
        raise AdminError("user", N_("No such provincial user."))
    if user.id == principal.user_id:
        raise AdminError("user", N_("You cannot remove your own role."))
    before = {"province_role": user.province_role}
    # another user's row: only through the function, which checks the caller is a province admin
    await db.fetch("SELECT pz_revoke_province_role($1)", user.id)
    await audit.record("province_role.revoked", "user", user.id, before=before, after={"province_role": None})


# -- the first administrators of a deployment (``pilotzone users invite``) ------------------------

CLI_ACTOR = "command line: pilotzone users invite"
CLI_TENANT_ROLES = ("bureau_admin", "bureau_reviewer")  # roles that need no district, park or enterprise


async def invite_from_command_line(email: str, role: str, slug: str | None) -> Invitation:
    """An invitation issued by the operator of the deployment, with no signed-in user: a province
    role (no tenant) or a tenant-wide role in ``slug``. Raises AdminError naming the option."""
    email = valid_email(email)
    if role in PROVINCE_ROLES:
        if slug:
            raise AdminError(
                "tenant", N_("A province role is not given in a pilot zone: leave out --tenant.")
            )
        async with tenant_transaction(TenantContext(None, None, "public")):  # as /province/admin/users
            link = await services.issue_invitation(email, None, {"province_role": role}, None, CLI_ACTOR)
        return Invitation(email, f"/invite/{link.token}")
    if role not in CLI_TENANT_ROLES:
        raise AdminError("role", N_("Choose a role."))
    if not slug:
        raise AdminError("tenant", N_("A pilot zone role needs --tenant SLUG."))
    async with tenant_transaction(TenantContext(None, None, "public")):
        tenant = next((t for t in await list_tenants() if t["slug"] == slug), None)
    if tenant is None:
        raise AdminError("tenant", N_("No active pilot zone has this slug."))
    async with tenant_transaction(TenantContext(tenant["id"], slug)):
        link = await services.issue_invitation(email, tenant["id"], {"role": role}, None, CLI_ACTOR)
    return Invitation(email, f"/z/{slug}/invite/{link.token}")
