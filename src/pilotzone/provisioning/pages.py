"""``/province/tenants/``: the pilot-zone cities with their status, and the form a province admin adds a
city with (districts picked from the GB/T 2260 dataset; HTMX reloads them when the city changes, the
"下一步" button does it without JavaScript)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.params import FromQuery
from litestar.response import Template

from pilotzone import db
from pilotzone.auth.dependencies import CurrentPrincipal
from pilotzone.auth.guards import allow, province
from pilotzone.provisioning import cities
from pilotzone.tenancy import divisions
from pilotzone.tenancy.tables import Tenant
from pilotzone.web.forms import URL_ENCODED
from pilotzone.web.i18n import gettext as _
from pilotzone.web.render import render
from pilotzone.web.urls import url_for

PROVINCE_ADMIN = province("province_admin")

# per city: its bureau admins and the open invitations to become one (province scope reads every tenant)
_STATUS = """
SELECT t.id,
       (SELECT count(*) FROM membership m WHERE m.tenant_id = t.id AND m.role = 'bureau_admin' AND m.active)
           AS admins,
       (SELECT count(*) FROM one_time_token o WHERE o.tenant = t.id AND o.kind = 'invite' AND o.used_at IS NULL
           AND o.expires_at > now() AND o."grant"->>'role' = 'bureau_admin') AS invited
  FROM tenant t
"""


async def city_rows(with_status: bool) -> list[dict]:
    rows = await Tenant.select(
        Tenant.id,
        Tenant.slug,
        Tenant.name_zh,
        Tenant.name_en,
        Tenant.bureau_zh,
        Tenant.bureau_en,
        Tenant.districts,
        Tenant.source_file,
        Tenant.active,
        Tenant.approved_year,
    ).order_by(Tenant.sort_order).order_by(Tenant.slug).output(load_json=True)
    status = {r["id"]: r for r in await db.fetch(_STATUS)} if with_status else {}
    for row in rows:
        found = status.get(row["id"])
        row["admins"] = found["admins"] if found else None
        row["invited"] = found["invited"] if found else None
    return rows


def _options() -> list[divisions.Division]:
    return list(divisions.prefectures())


async def _page(
    request: Request,
    form: cities.CityForm,
    errors: dict[str, str],
    status: int = 200,
    created: cities.Created | None = None,
) -> Template:
    # a GET runs in province scope (every city's members readable); a POST does not: no status then
    reading = request.method == "GET"
    rows = await city_rows(with_status=reading)
    context = {
        "cities": rows,
        # prefectures that already have a pilot zone (told in the list; a second one is not refused)
        "zoned": {divisions.prefecture_of(c["districts"][0]["code"]) for c in rows if c["districts"]},
        "prefectures": _options(),
        "districts": divisions.districts_of(form.division),
        "form": form,
        "chosen": set(form.chosen()),
        "errors": errors,
        "created": created,
        "dataset": divisions.dataset(),
    }
    return render(
        request, "tenancy/cities.html", context, partial="tenancy/partials/city_form.html", status_code=status
    )


class CitiesController(Controller):
    path = "/province/tenants"

    @get("/", name="province_tenants", opt=allow(PROVINCE_ADMIN))
    async def index(self, request: Request) -> Template:
        return await _page(request, cities.CityForm(), {})

    @get("/districts", name="province_tenant_districts", opt=allow(PROVINCE_ADMIN))
    async def districts(self, request: Request, division: FromQuery[str] = "") -> Template:
        """The district checkboxes of a prefecture (HTMX, when the city select changes)."""
        form = cities.filled(cities.CityForm(division=division))
        context = {
            "districts": divisions.districts_of(division),
            "form": form,
            "chosen": set(form.chosen()),
            "errors": {},
        }
        return render(request, "tenancy/partials/city_districts.html", context)

    @post("/", name="province_tenant_create", opt=allow(PROVINCE_ADMIN), status_code=200)
    async def create(
        self,
        request: Request,
        principal: CurrentPrincipal,
        data: Annotated[cities.CityForm, URL_ENCODED],
    ) -> Template:
        if data.step:  # "下一步": show the districts of the chosen city, create nothing
            return await _page(request, cities.filled(data), {})
        try:
            created = await cities.create_city(
                principal, data, lambda slug, token: url_for(request, "invite", slug=slug, token=token)
            )
        except cities.CityError as exc:
            return await _page(request, data, {exc.field: _(exc.message)}, 400)
        created.path = str(request.base_url).rstrip("/") + created.path
        return await _page(request, cities.CityForm(), {}, created=created)


ROUTES = [CitiesController]
