from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from pilotzone.auth import audit
from pilotzone.auth.dependencies import CurrentPrincipal
from pilotzone.auth.guards import BUREAU_ADMIN, MEMBERS, allow
from pilotzone.auth.principal import Principal, current_principal
from pilotzone.documents.owners import UPLOADERS, OwnerKind
from pilotzone.documents.owners import register as register_owner
from pilotzone.documents.services import documents_of
from pilotzone.registry import registration, services
from pilotzone.registry.forms import EnterpriseForm, ParkForm, entered
from pilotzone.registry.negative_list import entries_of
from pilotzone.registry.tables import PARK_KINDS, Park
from pilotzone.tenancy.dependencies import CurrentTenant
from pilotzone.web.deadlines import tenant_today
from pilotzone.web.forms import URL_ENCODED
from pilotzone.web.i18n import gettext as _
from pilotzone.web.render import render
from pilotzone.web.urls import url_for
from pilotzone.workflow import receipts


class ParkController(Controller):
    path = "/z/{slug:str}/parks"

    @get("/", name="parks", opt=allow(MEMBERS))
    async def index(
        self,
        request: Request,
        principal: CurrentPrincipal,
        page: FromQuery[int | None] = None,
        q: FromQuery[str] = "",
        per_page: FromQuery[int] = services.PARK_PAGE_SIZE,
    ) -> Template:
        current, parks = await services.list_parks(page, q.strip(), size=min(max(per_page, 10), 100))
        admin = principal.role == "bureau_admin"
        return render(
            request,
            "registry/parks.html",
            {
                "page": current,
                "parks": parks,
                "q": q,
                "pending": await registration.pending_count("park") if admin else 0,
            },
            partial="registry/partials/parks.html",
        )

    @get("/new", name="park_new", opt=allow(BUREAU_ADMIN))
    async def new(self, request: Request) -> Template:
        return _park_form(request)

    @post("/", name="park_create", opt=allow(BUREAU_ADMIN), status_code=303)
    async def create(
        self, request: Request, tenant: CurrentTenant, data: Annotated[ParkForm, URL_ENCODED]
    ) -> Redirect | Template:
        try:
            park = await registration.create_park(data)
        except services.RegistryError as exc:
            return _park_form(request, entered(data), {exc.field: _(exc.message)}, status=400)
        return Redirect(path=url_for(request, "park", slug=tenant.slug, park_id=park.id), status_code=303)

    @get("/{park_id:int}", name="park", opt=allow(MEMBERS))
    async def detail(self, request: Request, principal: CurrentPrincipal, park_id: FromPath[int]) -> Template:
        if not await park_visible(principal, park_id):
            raise NotFoundException("park not found")
        context = await park_context(park_id)
        if request.query_params.get("decided") and principal.role == "bureau_admin":  # after a decision
            park = await services.get_park(park_id)
            context["receipt"] = receipts.registration_decided(park, park.name_zh if park else "")
        return render(request, "registry/park.html", context)


def _park_form(
    request: Request, form: dict | None = None, errors: dict | None = None, status: int = 200
) -> Template:
    context = {"form": form or {}, "errors": errors or {}, "park_kinds": PARK_KINDS}
    return render(request, "registry/park_new.html", context, status_code=status)


class EnterpriseController(Controller):
    path = "/z/{slug:str}/enterprises"

    @get("/", name="enterprises", opt=allow(MEMBERS))
    async def index(
        self,
        request: Request,
        principal: CurrentPrincipal,
        page: FromQuery[int | None] = None,
        q: FromQuery[str] = "",
    ) -> Template:
        return await _enterprise_list(request, principal, page, q.strip())

    @post("/", name="enterprise_create", opt=allow(BUREAU_ADMIN), status_code=303)
    async def create(
        self,
        request: Request,
        principal: CurrentPrincipal,
        tenant: CurrentTenant,
        data: Annotated[EnterpriseForm, URL_ENCODED],
    ) -> Redirect | Template:
        try:
            enterprise = await services.create_enterprise(data)
        except services.RegistryError as exc:
            errors = {exc.field: _(exc.message)}
            return await _enterprise_list(
                request, principal, None, "", form=entered(data), errors=errors, status=400
            )
        await audit.record(
            "enterprise.created",
            "enterprise",
            enterprise.id,
            after={
                "name": enterprise.name,
                "uscc": enterprise.uscc,
                "park": enterprise.park,
                "district_code": enterprise.district_code,
            },
        )
        return Redirect(
            path=url_for(request, "enterprise", slug=tenant.slug, enterprise_id=enterprise.id),
            status_code=303,
        )

    @get("/{enterprise_id:int}", name="enterprise", opt=allow(MEMBERS))
    async def detail(
        self, request: Request, principal: CurrentPrincipal, enterprise_id: FromPath[int]
    ) -> Template:
        if not await enterprise_visible(principal, enterprise_id):
            raise NotFoundException("enterprise not found")
        context = await enterprise_context(enterprise_id)
        if request.query_params.get("decided") and principal.role == "bureau_admin":  # after a decision
            found = await services.get_enterprise(enterprise_id)
            context["receipt"] = receipts.registration_decided(found, found.name if found else "")
        return render(request, "registry/enterprise.html", context)


async def _enterprise_list(
    request: Request,
    principal: Principal,
    page: int | None,
    q: str,
    form: dict | None = None,
    errors: dict | None = None,
    status: int = 200,
) -> Template:
    current, rows = await services.list_enterprises(principal, page, q)
    admin = principal.role == "bureau_admin"
    # the park choice is only in the bureau admin's registration form (the list is the hot path)
    parks = (
        await Park.select(Park.id, Park.name_zh, Park.name_en)
        .where(Park.status == "active")
        .order_by(Park.id)
        if admin
        else []
    )
    context = {
        "pending": await registration.pending_count("enterprise") if admin else 0,
        "page": current,
        "enterprises": rows,
        "q": q,
        "parks": parks,
        "form": form or {},
        "errors": errors or {},
    }
    return render(
        request,
        "registry/enterprises.html",
        context,
        partial="registry/partials/enterprises.html",
        status_code=status,
    )


async def park_visible(principal: Principal, park_id: int) -> bool:
    park = await services.get_park(park_id)
    if park is None or (park.status in ("pending", "rejected") and not services.sees_registration(principal)):
        return False
    return principal.sees_park(park.id, park.district_code)


async def park_upload(principal: Principal, park_id: int) -> bool:
    return principal.role in ("bureau_admin", "park_operator") and await park_visible(principal, park_id)


async def park_context(park_id: int) -> dict:
    park = await services.get_park(park_id)
    principal = current_principal()
    return {
        "park": park,
        "members": await services.enterprises_of_park(principal, park_id),
        "issued": None,
        "errors": {},
        "documents": await documents_of("park", park_id),
        "error": None,
        "can_upload": await park_upload(principal, park_id),
    }


async def enterprise_visible(principal: Principal, enterprise_id: int) -> bool:
    row = await services.get_enterprise(enterprise_id)
    if row is None or (row.status != "active" and not services.sees_registration(principal)):
        return False
    return principal.sees_enterprise(row.id, row.park, row.district_code)


async def enterprise_upload(principal: Principal, enterprise_id: int) -> bool:
    return principal.role in UPLOADERS and await enterprise_visible(principal, enterprise_id)


async def enterprise_context(enterprise_id: int) -> dict:
    principal = current_principal()
    enterprise = await services.get_enterprise(enterprise_id)
    return {
        "enterprise": enterprise,
        "park": await services.get_park(enterprise.park) if enterprise and enterprise.park else None,
        "negative": await entries_of(enterprise_id),
        "today": tenant_today(),
        "issued": None,
        "errors": {},
        "documents": await documents_of("enterprise", enterprise_id),
        "error": None,
        "can_upload": await enterprise_upload(principal, enterprise_id),
    }


register_owner(
    "park",
    OwnerKind(
        visible=park_visible,
        may_upload=park_upload,
        page="registry/park.html",
        context=park_context,
        route=("park", "park_id"),
    ),
)
register_owner(
    "enterprise",
    OwnerKind(
        visible=enterprise_visible,
        may_upload=enterprise_upload,
        page="registry/enterprise.html",
        context=enterprise_context,
        route=("enterprise", "enterprise_id"),
    ),
)
