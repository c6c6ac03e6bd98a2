"""The audit trail pages: a bureau's own trail, and the province's view of every chain.

Both are plain GET forms (they work without JavaScript); HTMX swaps only the rows. RLS decides what
a transaction sees: the bureau page runs in its tenant's transaction, the provincial page as the
read-only province role.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from litestar import Controller, Request, get
from litestar.params import FromQuery, QueryParameter
from litestar.response import Template

from pilotzone.auth import audit
from pilotzone.auth.guards import allow, province, tenant
from pilotzone.tenancy.dependencies import CurrentTenant
from pilotzone.tenancy.services import list_tenants
from pilotzone.web.i18n import gettext as _
from pilotzone.web.labels import audit_action, label
from pilotzone.web.render import render
from pilotzone.web.urls import url_for

# bureau administrators only; provincial staff read every trail on /province/audit (admins only)
AUDIT_READERS = tenant("bureau_admin", province_read=False)
PROVINCIAL_CHAIN = "_province"  # the tenant filter's value for the provincial chain (never a slug)

def action_label(code: str) -> str:
    return audit_action(code)


def object_label(code: str) -> str:
    return label("object_type", code)


def _date(text: str) -> tuple[date | None, bool]:
    """(the date, whether the text was usable); an empty field is usable and means no bound."""
    text = text.strip()
    if not text:
        return None, True
    try:
        return date.fromisoformat(text), True
    except ValueError:
        return None, False


def _form(action: str, actor: str, object_type: str, date_from: str, date_to: str, **extra: str) -> dict:
    fields = {
        "action": action,
        "actor": actor,
        "object_type": object_type,
        "date_from": date_from,
        "date_to": date_to,
    }
    return {k: v.strip() for k, v in {**fields, **extra}.items()}


def _filter(
    values: dict, tenant_id: int | None = None, provincial_only: bool = False
) -> tuple[audit.TrailFilter, list[str]]:
    errors = []
    start, ok_start = _date(values["date_from"])
    end, ok_end = _date(values["date_to"])
    if not (ok_start and ok_end):
        errors.append(_("Write dates as YYYY-MM-DD."))
    return (
        audit.TrailFilter(
            action=values["action"][:60],
            actor=values["actor"][:254],
            object_type=values["object_type"][:40],
            date_from=start,
            date_to=end,
            tenant_id=tenant_id,
            provincial_only=provincial_only,
        ),
        errors,
    )


def _query(values: dict) -> str:
    """The filters as a query string (without the page) for the pager's links."""
    return urlencode({k: v for k, v in values.items() if v})


async def _page(
    request: Request,
    base: str,
    trail_filter: audit.TrailFilter,
    page: int | None,
    values: dict,
    errors: list[str],
    tenant_options: list[dict] | None = None,
) -> Template:
    current, rows = await audit.list_trail(trail_filter, page)
    return render(
        request,
        "auth/audit.html",
        {
            "base": base,
            "page": current,
            "rows": rows,
            "values": values,
            "query": _query(values),
            "errors": errors,
            "choices": await audit.trail_choices(trail_filter),
            "action_label": action_label,
            "object_label": object_label,
            "province_view": tenant_options is not None,
            "tenant_options": tenant_options or [],
            "provincial_chain": PROVINCIAL_CHAIN,
        },
        partial="auth/partials/audit_rows.html",
    )


class TenantAuditController(Controller):
    path = "/z/{slug:str}/admin"  # the page is .../admin/audit, without a trailing slash

    @get("/audit", name="tenant_audit", opt=allow(AUDIT_READERS))
    async def index(
        self,
        request: Request,
        tenant: CurrentTenant,
        page: FromQuery[int | None] = None,
        action: FromQuery[str] = "",
        actor: FromQuery[str] = "",
        object_type: FromQuery[str] = "",
        date_from: FromQuery[str] = "",
        date_to: FromQuery[str] = "",
    ) -> Template:
        values = _form(action, actor, object_type, date_from, date_to)
        trail_filter, errors = _filter(values, tenant_id=tenant.id)
        base = url_for(request, "tenant_audit", slug=tenant.slug)
        return await _page(request, base, trail_filter, page, values, errors)


class ProvinceAuditController(Controller):
    path = "/province"

    @get("/audit", name="province_audit", opt=allow(province("province_admin")))
    async def index(
        self,
        request: Request,
        page: FromQuery[int | None] = None,
        # ?tenant= (``tenant`` itself is the request's pilot zone, a dependency)
        zone: Annotated[str, QueryParameter(name="tenant")] = "",
        action: FromQuery[str] = "",
        actor: FromQuery[str] = "",
        object_type: FromQuery[str] = "",
        date_from: FromQuery[str] = "",
        date_to: FromQuery[str] = "",
    ) -> Template:
        values = _form(action, actor, object_type, date_from, date_to, tenant=zone)
        tenants = await list_tenants()
        by_slug = {t["slug"]: t["id"] for t in tenants}
        tenant_id: int | None = None
        provincial_only = False
        errors: list[str] = []
        if values["tenant"] == PROVINCIAL_CHAIN:
            provincial_only = True
        elif values["tenant"] in by_slug:
            tenant_id = by_slug[values["tenant"]]
        elif values["tenant"]:
            errors.append(_("There is no such pilot zone."))
            values["tenant"] = ""
        trail_filter, date_errors = _filter(values, tenant_id=tenant_id, provincial_only=provincial_only)
        return await _page(
            request,
            url_for(request, "province_audit"),
            trail_filter,
            page,
            values,
            errors + date_errors,
            tenants,
        )
