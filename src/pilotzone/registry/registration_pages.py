"""Pages of self-registration: the public forms, the bureau's queue, accept and reject."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from pilotzone.auth.admin_services import Invitation
from pilotzone.auth.guards import BUREAU_ADMIN, PUBLIC, allow
from pilotzone.auth.middleware import request_ip
from pilotzone.auth.principal import current_principal
from pilotzone.registry import registration
from pilotzone.registry.codes import Subject
from pilotzone.registry.controllers import enterprise_context, enterprise_visible, park_context, park_visible
from pilotzone.registry.forms import EnterpriseForm, ParkForm, RejectForm, entered
from pilotzone.registry.services import RegistryError, get_enterprise, get_park
from pilotzone.registry.tables import PARK_KINDS, Enterprise, Park
from pilotzone.web.forms import URL_ENCODED
from pilotzone.web.i18n import gettext as _
from pilotzone.web.labels import label
from pilotzone.web.render import render
from pilotzone.web.urls import url_for
from pilotzone.workflow import receipts
from pilotzone.workflow.states import Kind


def _ip(request: Request) -> str:
    return request_ip(request)


async def _form_page(
    request: Request,
    kind: str,
    form: dict | None = None,
    errors: dict | None = None,
    status: int = 200,
    receipt: str = "",
) -> Template:
    context: dict = {"kind": kind, "form": form or {}, "errors": errors or {}, "sent": bool(receipt)}
    context["receipt"] = await _receipt(kind, receipt) if receipt else None
    if kind == "enterprise":
        context["parks"] = (
            await Park.select(Park.id, Park.name_zh, Park.name_en)
            .where(Park.status == "active")
            .order_by(Park.id)
        )
    else:
        context["park_kinds"] = PARK_KINDS
    return render(request, f"registry/register_{kind}.html", context, status_code=status)


async def _receipt(kind: str, signed: str) -> receipts.Receipt | None:
    """The receipt of the registration a signed ``?sent=`` names (None when it names none)."""
    number = receipts.number_of(kind, signed)
    table = Enterprise if kind == "enterprise" else Park
    row = await table.objects().where(table.id == number).first() if number is not None else None
    if row is None:
        return None
    name = row.name if isinstance(row, Enterprise) else row.name_zh
    return receipts.submitted(
        Kind.REGISTRATION, row.id, row.created_at, label(Subject, kind), name, str(row.status)
    )


async def _submit(request: Request, slug: str, data: EnterpriseForm | ParkForm) -> Redirect | Template:
    kind = "enterprise" if isinstance(data, EnterpriseForm) else "park"
    try:
        if isinstance(data, EnterpriseForm):
            row: Enterprise | Park = await registration.register_enterprise(data, _ip(request))
        else:
            row = await registration.register_park(data, _ip(request))
    except RegistryError as exc:
        status = 429 if isinstance(exc, registration.TooManyRegistrations) else 400
        return await _form_page(request, kind, entered(data), {exc.field: _(exc.message)}, status)
    sent = receipts.token(kind, row.id)  # the receipt of this registration, signed (a public page)
    return Redirect(
        path=f"{url_for(request, f'register_{kind}', slug=slug)}?{urlencode({'sent': sent})}", status_code=303
    )


class RegistrationController(Controller):
    """Public: anyone (signed in or not) may register a park or an enterprise of this pilot zone."""

    path = "/z/{slug:str}/register"

    @get("/enterprise", name="register_enterprise", opt=allow(PUBLIC))
    async def enterprise_form(self, request: Request, sent: FromQuery[str] = "") -> Template:
        return await _form_page(request, "enterprise", receipt=sent)

    @post("/enterprise", name="register_enterprise_submit", opt=allow(PUBLIC), status_code=303)
    async def enterprise_submit(
        self, request: Request, slug: FromPath[str], data: Annotated[EnterpriseForm, URL_ENCODED]
    ) -> Redirect | Template:
        return await _submit(request, slug, data)

    @get("/park", name="register_park", opt=allow(PUBLIC))
    async def park_form(self, request: Request, sent: FromQuery[str] = "") -> Template:
        return await _form_page(request, "park", receipt=sent)

    @post("/park", name="register_park_submit", opt=allow(PUBLIC), status_code=303)
    async def park_submit(
        self, request: Request, slug: FromPath[str], data: Annotated[ParkForm, URL_ENCODED]
    ) -> Redirect | Template:
        return await _submit(request, slug, data)


def _invite_link(request: Request, slug: str) -> Callable[[str], str]:
    return lambda token: url_for(request, "invite", slug=slug, token=token)


def _absolute(request: Request, issued: Invitation | None) -> None:
    if issued is not None and issued.path.startswith("/"):
        issued.path = str(request.base_url).rstrip("/") + issued.path


class DecisionController(Controller):
    """Bureau administrators: the queue of pending registrations, accept, reject."""

    path = "/z/{slug:str}"

    @get("/registrations", name="registrations", opt=allow(BUREAU_ADMIN))
    async def queue(self, request: Request) -> Template:
        return render(request, "registry/registrations.html", {"rows": await registration.pending_queue()})

    @post(
        "/enterprises/{enterprise_id:int}/accept",
        name="enterprise_accept",
        opt=allow(BUREAU_ADMIN),
        status_code=200,
    )
    async def accept_enterprise(
        self, request: Request, slug: FromPath[str], enterprise_id: FromPath[int]
    ) -> Template:
        enterprise = await get_enterprise(enterprise_id)
        if enterprise is None or not await enterprise_visible(current_principal(), enterprise_id):
            raise NotFoundException("enterprise not found")
        issued = await registration.accept(current_principal(), enterprise, _invite_link(request, slug))
        _absolute(request, issued)
        context = {**await enterprise_context(enterprise_id), "issued": issued}
        decided = await get_enterprise(enterprise_id)
        context["receipt"] = receipts.registration_decided(decided, enterprise.name)
        return render(request, "registry/enterprise.html", context)

    @post(
        "/enterprises/{enterprise_id:int}/reject",
        name="enterprise_reject",
        opt=allow(BUREAU_ADMIN),
        status_code=303,
    )
    async def reject_enterprise(
        self,
        request: Request,
        slug: FromPath[str],
        enterprise_id: FromPath[int],
        data: Annotated[RejectForm, URL_ENCODED],
    ) -> Redirect | Template:
        enterprise = await get_enterprise(enterprise_id)
        if enterprise is None or not await enterprise_visible(current_principal(), enterprise_id):
            raise NotFoundException("enterprise not found")
        try:
            await registration.reject(current_principal(), enterprise, data.reason)
        except RegistryError as exc:
            context = {
                **await enterprise_context(enterprise_id),
                "errors": {exc.field: _(exc.message)},
                "form": entered(data),
            }
            return render(request, "registry/enterprise.html", context, status_code=400)
        path = url_for(request, "enterprise", slug=slug, enterprise_id=enterprise_id)
        return Redirect(path=f"{path}?decided=1", status_code=303)  # the page shows the decision's receipt

    @post("/parks/{park_id:int}/accept", name="park_accept", opt=allow(BUREAU_ADMIN), status_code=200)
    async def accept_park(self, request: Request, slug: FromPath[str], park_id: FromPath[int]) -> Template:
        park = await get_park(park_id)
        if park is None or not await park_visible(current_principal(), park_id):
            raise NotFoundException("park not found")
        issued = await registration.accept(current_principal(), park, _invite_link(request, slug))
        _absolute(request, issued)
        receipt = receipts.registration_decided(await get_park(park_id), park.name_zh)
        context = {**await park_context(park_id), "issued": issued, "receipt": receipt}
        return render(request, "registry/park.html", context)

    @post("/parks/{park_id:int}/reject", name="park_reject", opt=allow(BUREAU_ADMIN), status_code=303)
    async def reject_park(
        self,
        request: Request,
        slug: FromPath[str],
        park_id: FromPath[int],
        data: Annotated[RejectForm, URL_ENCODED],
    ) -> Redirect | Template:
        park = await get_park(park_id)
        if park is None or not await park_visible(current_principal(), park_id):
            raise NotFoundException("park not found")
        try:
            await registration.reject(current_principal(), park, data.reason)
        except RegistryError as exc:
            errors = {exc.field: _(exc.message)}
            context = {**await park_context(park_id), "errors": errors, "form": entered(data)}
            return render(request, "registry/park.html", context, status_code=400)
        path = url_for(request, "park", slug=slug, park_id=park_id)
        return Redirect(path=f"{path}?decided=1", status_code=303)  # the page shows the decision's receipt
