from __future__ import annotations

from litestar import Controller, Request, get
from litestar.response import Template

from pilotzone.auth.guards import allow, province
from pilotzone.tenancy.services import latest_snapshots, list_tenants
from pilotzone.tenancy.tables import tenant_tables
from pilotzone.web.render import render


class ProvinceController(Controller):
    """Provincial overview: read-only, every tenant (the request runs with app.scope = 'province')."""

    path = "/province"

    @get("/", name="province", opt=allow(province()))
    async def index(self, request: Request) -> Template:
        tenants = await list_tenants()
        snapshots = await latest_snapshots()
        columns = [t._meta.tablename for t in tenant_tables()]
        totals = {
            c: sum((snapshots.get(t["id"]) or {}).get("counts", {}).get(c, 0) for t in tenants)
            for c in columns
        }
        return render(
            request,
            "overview/province.html",
            {"tenants": tenants, "snapshots": snapshots, "columns": columns, "totals": totals},
        )
