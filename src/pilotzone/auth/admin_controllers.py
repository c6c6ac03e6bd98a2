"""Admin pages: a tenant's users and memberships; provincial users. HTMX-enhanced, plain forms underneath."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from pilotzone.auth import admin_services as admin
from pilotzone.auth.dependencies import CurrentPrincipal
from pilotzone.auth.guards import allow, province, tenant
from pilotzone.auth.scopes import directory
from pilotzone.auth.tables import PROVINCE_ROLES, TENANT_ROLES
from pilotzone.tenancy.dependencies import CurrentTenant
from pilotzone.tenancy.middleware import TenantInfo
from pilotzone.tenancy.services import list_tenants
from pilotzone.web.forms import URL_ENCODED
from pilotzone.web.i18n import gettext as _
from pilotzone.web.render import render
from pilotzone.web.urls import url_for

# bureau admins manage their tenant; a province admin may appoint or remove its bureau admins
TENANT_ADMIN = tenant("bureau_admin", province_writers=("province_admin",))


def _absolute(request: Request, context: dict) -> None:
    """The one-time link as a full address the admin can copy into a message."""
    issued = context.get("issued")
    if issued is not None and issued.path.startswith("/"):
        issued.path = str(request.base_url).rstrip("/") + issued.path


async def _tenant_page(request: Request, tenant: TenantInfo, status: int = 200, **extra: object) -> Template:
    context = {
        "members": await admin.tenant_members(),
        "invitations": await admin.pending_invitations(tenant.id),
        "roles": TENANT_ROLES,
        "parks": await directory().active_parks(),
        "enterprises": await directory().enterprises(),
        "form": {},
        "errors": {},
        "issued": None,
        **extra,
    }
    _absolute(request, context)
    return render(
        request,
        "auth/admin_users.html",
        context,
        partial="auth/partials/admin_members.html",
        status_code=status,
    )


class TenantAdminController(Controller):
    path = "/z/{slug:str}/admin/users"

    @get("/", name="tenant_users", opt=allow(TENANT_ADMIN))
    async def index(self, request: Request, tenant: CurrentTenant) -> Template:
        return await _tenant_page(request, tenant)

    @post("/invite", name="tenant_invite", opt=allow(TENANT_ADMIN), status_code=200)
    async def invite(
        self,
        request: Request,
        principal: CurrentPrincipal,
        tenant: CurrentTenant,
        data: Annotated[admin.MemberInvite, URL_ENCODED],
    ) -> Template:
        try:
            issued = await admin.invite_member(principal, tenant.id, tenant.slug, data)
        except admin.AdminError as exc:
            form = msgspec.structs.asdict(data)
            return await _tenant_page(request, tenant, 400, form=form, errors={exc.field: _(exc.message)})
        return await _tenant_page(request, tenant, issued=issued)

    @post(
        "/memberships/{membership_id:int}/{action:str}",
        name="tenant_membership",
        opt=allow(TENANT_ADMIN),
        status_code=303,
    )
    async def membership(
        self,
        request: HTMXRequest,
        principal: CurrentPrincipal,
        tenant: CurrentTenant,
        membership_id: FromPath[int],
        action: FromPath[str],
    ) -> Redirect | Template:
        try:
            if action in ("deactivate", "activate"):
                await admin.set_membership_active(principal, membership_id, action == "activate")
            elif action == "reset" and not principal.province:
                issued = await admin.reset_link_for_member(membership_id)
                return await _tenant_page(request, tenant, issued=issued)
            else:
                return await _tenant_page(request, tenant, 400, errors={"membership": _("Unknown action.")})
        except admin.AdminError as exc:
            return await _tenant_page(request, tenant, 400, errors={exc.field: _(exc.message)})
        if request.htmx:
            return await _tenant_page(request, tenant)
        return Redirect(path=url_for(request, "tenant_users", slug=tenant.slug), status_code=303)


async def _province_page(request: Request, status: int = 200, **extra: object) -> Template:
    context = {
        "users": await admin.provincial_users(),
        "invitations": await admin.pending_invitations(None),
        "tenants": await list_tenants(),
        "roles": PROVINCE_ROLES,
        "form": {},
        "errors": {},
        "issued": None,
        **extra,
    }
    _absolute(request, context)
    return render(request, "auth/admin_province.html", context, status_code=status)


class ProvinceAdminController(Controller):
    path = "/province/admin/users"

    @get("/", name="province_users", opt=allow(province("province_admin")))
    async def index(self, request: Request) -> Template:
        return await _province_page(request)

    @post("/invite", name="province_invite", opt=allow(province("province_admin")), status_code=200)
    async def invite(
        self,
        request: Request,
        principal: CurrentPrincipal,
        data: Annotated[admin.ProvincialInvite, URL_ENCODED],
    ) -> Template:
        try:
            issued = await admin.invite_provincial(principal, data)
        except admin.AdminError as exc:
            form = msgspec.structs.asdict(data)
            return await _province_page(request, 400, form=form, errors={exc.field: _(exc.message)})
        return await _province_page(request, issued=issued)

    @post(
        "/{user_id:int}/revoke",
        name="province_revoke",
        opt=allow(province("province_admin")),
        status_code=303,
    )
    async def revoke(
        self, request: Request, principal: CurrentPrincipal, user_id: FromPath[int]
    ) -> Redirect | Template:
        try:
            await admin.revoke_provincial(principal, user_id)
        except admin.AdminError as exc:
            return await _province_page(request, 400, errors={exc.field: _(exc.message)})
        return Redirect(path=url_for(request, "province_users"), status_code=303)
