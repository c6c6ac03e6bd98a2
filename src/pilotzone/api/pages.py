"""The bureau's pages of machine clients (``/z/<slug>/api-clients/``, bureau admins): the list, the
form that creates one (its secret shown on the next page, once), and revoking one (a confirmation
page, then a POST)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from pilotzone.api import clients
from pilotzone.api.codes import Scope
from pilotzone.auth.guards import allow, tenant
from pilotzone.auth.principal import current_principal
from pilotzone.tenancy.dependencies import CurrentTenant
from pilotzone.web.forms import URL_ENCODED
from pilotzone.web.i18n import gettext as _
from pilotzone.web.render import render
from pilotzone.web.urls import url_for


class ClientForm(msgspec.Struct):
    """The create form: a name and one checkbox per scope (field = the scope with ``_`` for ``:``)."""

    name: str = ""
    trade_write: str = ""
    trade_read: str = ""
    registry_read: str = ""
    warehouse_write: str = ""

    def scopes(self) -> tuple[Scope, ...]:
        ticked = {"trade_write": self.trade_write, "trade_read": self.trade_read,
                  "registry_read": self.registry_read, "warehouse_write": self.warehouse_write}
        return tuple(s for s in Scope if ticked[field_of(s)])


def field_of(scope: Scope) -> str:
    return scope.value.replace(":", "_")


def _form_context(form: ClientForm, errors: dict[str, str]) -> dict:
    return {"form": form, "errors": errors, "scopes": [(s, field_of(s)) for s in Scope],
            "ticked": {field_of(s) for s in form.scopes()}}


# the city's own bureau admins only: provincial staff, who read a city's pages, have no business with
# the credentials of its machine clients
CLIENT_ADMIN = tenant("bureau_admin", province_read=False)


class ApiClientController(Controller):
    path = "/z/{slug:str}/api-clients"

    @get("/", name="api_clients", opt=allow(CLIENT_ADMIN))
    async def index(self, request: Request) -> Template:
        return render(request, "api/clients.html", {"clients": await clients.listing()})

    @get("/new", name="api_client_new", opt=allow(CLIENT_ADMIN))
    async def new(self, request: Request) -> Template:
        return render(request, "api/client_form.html", _form_context(ClientForm(), {}))

    @post("/new", name="api_client_create", opt=allow(CLIENT_ADMIN), status_code=200)
    async def create(self, request: Request, data: Annotated[ClientForm, URL_ENCODED]) -> Template:
        errors: dict[str, str] = {}
        name = data.name.strip()
        if not name or len(name) > 100:
            errors["name"] = _("Enter a name of 1 to 100 characters.")
        if not data.scopes():
            errors["scopes"] = _("Choose at least one permission.")
        if errors:
            return render(request, "api/client_form.html", _form_context(data, errors), status_code=422)
        created = await clients.create(name, data.scopes(), current_principal().user_id)
        return render(request, "api/client_created.html", {"client": created.client, "secret": created.secret})

    @get("/{client_pk:int}/revoke", name="api_client_revoke_confirm", opt=allow(CLIENT_ADMIN))
    async def confirm(self, request: Request, client_pk: FromPath[int]) -> Template:
        client = await clients.get(client_pk)
        if client is None:
            raise NotFoundException("no such client")
        return render(request, "api/client_revoke.html", {"client": client})

    @post("/{client_pk:int}/revoke", name="api_client_revoke", opt=allow(CLIENT_ADMIN), status_code=303)
    async def revoke(self, request: Request, tenant: CurrentTenant, client_pk: FromPath[int]) -> Redirect:
        if await clients.get(client_pk) is None:
            raise NotFoundException("no such client")
        await clients.revoke(client_pk, current_principal().user_id)
        return Redirect(path=url_for(request, "api_clients", slug=tenant.slug), status_code=303)


ROUTES = [ApiClientController]
