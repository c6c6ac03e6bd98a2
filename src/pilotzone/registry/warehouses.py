"""Overseas warehouses (海外仓): validation, scoped queries and pages.

A bureau administrator registers a warehouse for any enterprise (active at once); an enterprise user
registers one for their own enterprise, pending until a bureau administrator accepts it.
"""

from __future__ import annotations

import json
from typing import Annotated

from babel import Locale
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from pilotzone import db
from pilotzone.auth import audit
from pilotzone.auth.dependencies import CurrentPrincipal
from pilotzone.auth.guards import BUREAU_ADMIN, MEMBERS, allow, tenant
from pilotzone.auth.principal import Principal
from pilotzone.registry.forms import WarehouseForm, entered
from pilotzone.registry.services import RegistryError, decide_pending, parse_area, role_scope
from pilotzone.registry.tables import WAREHOUSE_SERVICES, Enterprise, OverseasWarehouse
from pilotzone.tenancy.dependencies import CurrentTenant
from pilotzone.tenancy.middleware import TenantInfo
from pilotzone.web.forms import URL_ENCODED
from pilotzone.web.i18n import get_locale
from pilotzone.web.i18n import gettext as _
from pilotzone.web.labels import N_
from pilotzone.web.render import Page, page_of, render
from pilotzone.web.urls import url_for

# ISO 3166-1 alpha-2: CLDR's two-letter territories without its reserved and private-use codes
_NOT_ISO = {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}
COUNTRIES = frozenset(
    code
    for code in Locale("en").territories
    if isinstance(code, str) and len(code) == 2 and code.isalpha() and code not in _NOT_ISO
)
SERVICE_LABELS = {
    "storage": N_("Storage"),
    "last_mile": N_("Last-mile delivery"),
    "returns": N_("Returns"),
    "repair": N_("After-sales repair"),
    "public_service": N_("Overseas warehouse public service"),
}
assert set(SERVICE_LABELS) == set(WAREHOUSE_SERVICES)  # noqa: S101 - one list of codes
STATUS_LABELS = {"pending": N_("Pending acceptance"), "active": N_("Active")}
REGISTRARS = tenant("bureau_admin", "enterprise_user")


def country_name(code: str) -> str:
    return Locale.parse(get_locale()).territories.get(code, code)


def services_of(warehouse: OverseasWarehouse) -> list[str]:
    """The stored service codes (Piccolo returns JSONB as text unless asked to load it)."""
    value = warehouse.services
    return list(json.loads(value) if isinstance(value, str) else value or [])


def service_label(code: str) -> str:
    message = SERVICE_LABELS.get(code)
    return _(message) if message else code


def status_label(code: str) -> str:
    message = STATUS_LABELS.get(code)
    return _(message) if message else code


# -- services


def warehouse_scope(principal: Principal) -> tuple[str, list]:
    """Warehouses of the enterprises the acting role may see (RLS already limits the tenant)."""
    where, args = role_scope(principal)
    if where in ("TRUE", "FALSE"):
        return where, args
    return f"enterprise IN (SELECT id FROM enterprise WHERE {where})", args  # noqa: S608 - constant text


async def list_warehouses(
    principal: Principal, page: int | None, q: str = "", size: int = 20
) -> tuple[Page, list[dict]]:
    where, args = warehouse_scope(principal)
    if q:
        args = [*args, db.contains(q), q.upper()]
        where = f"({where}) AND (city ILIKE ${len(args) - 1} OR address ILIKE ${len(args) - 1} OR country = ${len(args)})"
    n = len(args)
    total = (await db.fetch(f"SELECT count(*) FROM overseas_warehouse WHERE {where}", *args))[0][0]  # noqa: S608
    current = page_of(page, size, total)
    rows = await db.fetch(
        "SELECT w.id, w.country, w.city, w.address, w.floor_area, w.status, e.name AS enterprise_name "  # noqa: S608
        f"FROM (SELECT * FROM overseas_warehouse WHERE {where} ORDER BY id LIMIT ${n + 1} OFFSET ${n + 2}) w "
        "JOIN enterprise e ON e.id = w.enterprise ORDER BY w.id",
        *args,
        current.size,
        current.offset,
    )
    result = []
    for row in rows:
        item = dict(row)
        item["country_name"] = country_name(item["country"])
        item["status_label"] = status_label(item["status"])
        result.append(item)
    return current, result


async def get_warehouse(warehouse_id: int) -> OverseasWarehouse | None:
    return await OverseasWarehouse.objects().where(OverseasWarehouse.id == warehouse_id).first()


async def visible_warehouse(principal: Principal, warehouse_id: int) -> OverseasWarehouse | None:
    warehouse = await get_warehouse(warehouse_id)
    if warehouse is None:
        return None
    owner = await Enterprise.objects().where(Enterprise.id == warehouse.enterprise).first()
    if owner is None or not principal.sees_enterprise(owner.id, owner.park, owner.district_code):
        return None
    return warehouse


async def create_warehouse(principal: Principal, form: WarehouseForm) -> OverseasWarehouse:
    """Validate and save; a bureau administrator's registration is active, an enterprise's pending."""
    m = principal.acting
    if m is not None and m.role == "enterprise_user":
        enterprise_id, status = m.enterprise_id, "pending"
    else:
        enterprise_id, status = _int(form.enterprise_id), "active"
    owner = (
        await Enterprise.objects()
        .where((Enterprise.id == (enterprise_id or -1)) & (Enterprise.status == "active"))
        .first()
    )
    if owner is None or not principal.sees_enterprise(owner.id, owner.park, owner.district_code):
        raise RegistryError("enterprise_id", N_("Choose an enterprise of this pilot zone."))
    country = form.country.strip().upper()
    if country not in COUNTRIES:
        raise RegistryError("country", N_("Enter the country as a two-letter ISO 3166 code, e.g. US or DE."))
    city = form.city.strip()
    if not 1 <= len(city) <= 100:
        raise RegistryError("city", N_("Enter the city."))
    address = form.address.strip()
    if not 3 <= len(address) <= 300:
        raise RegistryError("address", N_("Enter the warehouse's address."))
    area = parse_area(form.floor_area, "floor_area")
    services = form.chosen()
    chosen = [s for s in WAREHOUSE_SERVICES if s in services]
    if set(services) - set(WAREHOUSE_SERVICES):
        raise RegistryError("services", N_("Choose services from the list."))
    if not chosen:
        raise RegistryError("services", N_("Choose at least one service."))
    warehouse = OverseasWarehouse(
        enterprise=owner.id,
        country=country,
        city=city,
        address=address,
        floor_area=area,
        services=chosen,
        wms_integrated=form.wms_integrated in ("1", "on", "true", "yes"),
        status=status,
    )
    await warehouse.save()
    return warehouse


def _int(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def _facts(warehouse: OverseasWarehouse) -> dict:
    return {
        "enterprise": warehouse.enterprise,
        "country": warehouse.country,
        "city": warehouse.city,
        "address": warehouse.address,
        "floor_area": str(warehouse.floor_area),
        "services": services_of(warehouse),
        "wms_integrated": warehouse.wms_integrated,
        "status": warehouse.status,
    }


# -- pages


class WarehouseController(Controller):
    path = "/z/{slug:str}/warehouses"

    @get("/", name="warehouses", opt=allow(MEMBERS))
    async def index(
        self,
        request: Request,
        principal: CurrentPrincipal,
        page: FromQuery[int | None] = None,
        q: FromQuery[str] = "",
    ) -> Template:
        return await _list_page(request, principal, page, q.strip())

    @post("/", name="warehouse_create", opt=allow(REGISTRARS), status_code=303)
    async def create(
        self,
        request: Request,
        principal: CurrentPrincipal,
        tenant: CurrentTenant,
        data: Annotated[WarehouseForm, URL_ENCODED],
    ) -> Redirect | Template:
        try:
            warehouse = await create_warehouse(principal, data)
        except RegistryError as exc:
            return await _list_page(
                request,
                principal,
                None,
                "",
                form={**entered(data), "services": data.chosen()},
                errors={exc.field: _(exc.message)},
                status=400,
            )
        await audit.record("warehouse.created", "overseas_warehouse", warehouse.id, after=_facts(warehouse))
        return Redirect(path=_page_of(request, tenant, warehouse.id), status_code=303)

    @get("/{warehouse_id:int}", name="warehouse", opt=allow(MEMBERS))
    async def detail(
        self, request: Request, principal: CurrentPrincipal, warehouse_id: FromPath[int]
    ) -> Template:
        warehouse = await visible_warehouse(principal, warehouse_id)
        if warehouse is None:
            raise NotFoundException("warehouse not found")
        owner = await Enterprise.objects().where(Enterprise.id == warehouse.enterprise).first()
        return render(
            request,
            "registry/warehouse.html",
            {
                "warehouse": warehouse,
                "owner": owner,
                "country_name": country_name(warehouse.country),
                "services": [service_label(s) for s in services_of(warehouse)],
                "status_label": status_label(warehouse.status),
            },
        )

    @post("/{warehouse_id:int}/accept", name="warehouse_accept", opt=allow(BUREAU_ADMIN), status_code=303)
    async def accept(
        self,
        request: Request,
        principal: CurrentPrincipal,
        tenant: CurrentTenant,
        warehouse_id: FromPath[int],
    ) -> Redirect:
        warehouse = await visible_warehouse(principal, warehouse_id)
        if warehouse is None:
            raise NotFoundException("warehouse not found")
        await decide_pending(
            OverseasWarehouse, warehouse.id, "active", "warehouse.accepted", "overseas_warehouse"
        )
        return Redirect(path=_page_of(request, tenant, warehouse.id), status_code=303)


def _page_of(request: Request, tenant: TenantInfo, warehouse_id: int) -> str:
    return url_for(request, "warehouse", slug=tenant.slug, warehouse_id=warehouse_id)


async def _list_page(
    request: Request,
    principal: Principal,
    page: int | None,
    q: str,
    form: dict | None = None,
    errors: dict | None = None,
    status: int = 200,
) -> Template:
    current, rows = await list_warehouses(principal, page, q)
    enterprises = []
    if principal.role == "bureau_admin":
        enterprises = await (
            Enterprise.select(Enterprise.id, Enterprise.name)
            .where(Enterprise.status == "active")
            .order_by(Enterprise.id)
        )
    context = {
        "page": current,
        "warehouses": rows,
        "q": q,
        "enterprises": enterprises,
        "service_choices": [(code, service_label(code)) for code in WAREHOUSE_SERVICES],
        "form": form or {},
        "errors": errors or {},
    }
    return render(
        request,
        "registry/warehouses.html",
        context,
        partial="registry/partials/warehouses.html",
        status_code=status,
    )
