"""The pages of a public notice (公示), written once and configured per kind (certification's
applications, funding's awards): the public list, one item's objection form, raising an objection,
and the bureau administrator's objection list with its resolve form. Each kind's controller keeps its
routes and names (:func:`notice_controller` makes them from its :class:`NoticePages`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from pilotzone.auth.guards import BUREAU_ADMIN, PUBLIC, allow
from pilotzone.auth.middleware import request_ip
from pilotzone.auth.principal import Principal, current_principal
from pilotzone.web.formats import local_time
from pilotzone.web.forms import URL_ENCODED
from pilotzone.web.i18n import gettext as _
from pilotzone.web.render import render
from pilotzone.web.urls import url_for
from pilotzone.workflow import receipts
from pilotzone.workflow.forms import ObjectionForm, ResolveForm
from pilotzone.workflow.notice_list import NoticeQuery, notice_query
from pilotzone.workflow.objections import NoticeError, check_objection

Facts = list[tuple[str, Any]]


@dataclass(frozen=True)
class Item:
    """What an objection form shows of the item under notice (nothing private): its facts, the notice
    period (``start`` may be unknown) and whether an objection has paused it."""

    facts: Facts
    start: datetime | None
    end: datetime
    paused: bool


def items(
    fetch: Callable[[int], Awaitable[dict | None]],
    facts: tuple[tuple[str, str], ...],
    start: str,
    state: str,
    paused: str,
) -> Callable[[int], Awaitable[Item | None]]:
    """A kind's ``item(id)`` from its row under notice (``fetch(id)``, None when it is not under
    notice): ``facts`` as (msgid, column), the notice's start column (the end is ``notice_until``) and
    the state column whose value ``paused`` says an objection has paused it."""

    async def item(item_id: int) -> Item | None:
        row = await fetch(item_id)
        if row is None:
            return None
        shown = [(_(label), row[column]) for label, column in facts]
        return Item(shown, row[start], row["notice_until"], row[state] == paused)

    return item


@dataclass(frozen=True)
class NoticePages:
    """One kind's notice: ``path`` below ``/z/<slug>/`` (``notices``), the ``prefix`` of its route names,
    the name of its item's path parameter (``item_param``), its templates, and its services:
    ``listing(query, base)`` → (rows, links); ``item(id)`` → an :class:`Item` or None; ``raise_objection(id, form, ip)``; ``resolve(principal, objection_id, decision,
    note)``; ``objections()`` → the bureau's rows. ``gone`` and ``back_label`` are msgids."""

    path: str
    templates: str  # its folder: <templates>/notices.html (the list), <templates>/objections.html
    back_label: str
    gone: str
    listing: Callable[[NoticeQuery, str], Awaitable[tuple[list[dict], dict[str, str]]]]
    item: Callable[[int], Awaitable[Item | None]]
    raise_objection: Callable[[int, ObjectionForm, str], Awaitable[Any]]
    resolve: Callable[[Principal, int, str, str], Awaitable[str]]
    objections: Callable[[], Awaitable[list[dict]]]
    form_template: str = "certification/objection.html"
    prefix: str = ""
    item_param: str = "item_id"


def _url(request: Request, pages: NoticePages, name: str, **params: Any) -> str:
    return url_for(request, f"{pages.prefix}{name}", slug=request.path_params["slug"], **params)


def _base(request: Request, pages: NoticePages) -> str:
    return _url(request, pages, "notices")


async def notice_page(request: Request, pages: NoticePages) -> Template:
    query = notice_query(request.query_params.get("q"), request.query_params.get("after"))
    rows, links = await pages.listing(query, _base(request, pages))
    context = {
        "rows": rows,
        "links": links,
        "q": query.q,
        "receipt": await receipts.of_objection(request.query_params.get("objected")),
        "is_admin": current_principal().role == "bureau_admin",
    }
    return render(request, f"{pages.templates}/notices.html", context)


async def objection_page(
    request: Request,
    pages: NoticePages,
    item_id: int,
    form: ObjectionForm | None = None,
    errors: dict | None = None,
    status: int = 200,
) -> Template:
    """One item's objection form (its own page: the list stays a light table)."""
    item = await pages.item(item_id)
    if item is None:
        raise NotFoundException(_(pages.gone))
    start = f"{local_time(item.start, '%Y-%m-%d')} – " if item.start else ""
    base = _base(request, pages)
    context = {
        "item_id": item_id,
        "action": _url(request, pages, "objection_raise", **{pages.item_param: item_id}),
        "back": base,
        "back_label": _(pages.back_label),
        "facts": [*item.facts, (_("Notice period"), f"{start}{local_time(item.end, '%Y-%m-%d')}")],
        "paused": item.paused,
        "form": form or ObjectionForm(),
        "errors": errors or {},
    }
    return render(request, pages.form_template, context, status_code=status)


async def raise_objection(
    request: Request, pages: NoticePages, item_id: int, form: ObjectionForm
) -> Redirect | Template:
    try:
        raised = await pages.raise_objection(item_id, form, request_ip(request))
    except NoticeError as exc:
        if exc.status == 404:
            raise NotFoundException(exc.message) from None
        errors = {exc.field: exc.message}
        if exc.status == 400:
            errors = check_objection(form) or errors
        return await objection_page(request, pages, item_id, form, errors, exc.status)
    signed = receipts.token("objection", raised.id)
    return Redirect(path=f"{_base(request, pages)}?{urlencode({'objected': signed})}", status_code=303)


async def objections_page(
    request: Request, pages: NoticePages, errors: dict | None = None, target: int = 0, status: int = 200
) -> Template:
    context = {"rows": await pages.objections(), "errors": errors or {}, "target": target}
    resolved = request.query_params.get("resolved", "")  # the bureau's own page: the decision's receipt
    context["receipt"] = await receipts.of_resolution(int(resolved)) if resolved.isdigit() else None
    return render(request, f"{pages.templates}/objections.html", context, status_code=status)


async def resolve(
    request: Request, pages: NoticePages, objection_id: int, form: ResolveForm
) -> Redirect | Template:
    try:
        await pages.resolve(current_principal(), objection_id, form.decision, form.note)
    except NoticeError as exc:
        if exc.status == 404:
            raise NotFoundException(exc.message) from None
        return await objections_page(request, pages, {exc.field: exc.message}, objection_id, exc.status)
    return Redirect(path=f"{_url(request, pages, 'objections')}?resolved={objection_id}", status_code=303)


def notice_controller(pages: NoticePages) -> type[Controller]:
    """The routes of a notice under ``/z/<slug>/<pages.path>``, named ``<prefix>notices``,
    ``<prefix>objection_form``, ``<prefix>objection_raise``, ``<prefix>objections`` and
    ``<prefix>objection_resolve`` (``pages.prefix``); ``pages.item_param`` names the path parameter of
    the item under notice. A kind subclasses it to add its own routes."""
    prefix, item = pages.prefix, pages.item_param

    def item_id(request: Request) -> int:
        return int(request.path_params[item])

    class NoticeRoutes(Controller):
        path = f"/z/{{slug:str}}/{pages.path}"

        @get("/", name=f"{prefix}notices", opt=allow(PUBLIC))
        async def index(self, request: Request) -> Template:
            return await notice_page(request, pages)

        @get(f"/{{{item}:int}}/objections", name=f"{prefix}objection_form", opt=allow(PUBLIC))
        async def objection_form(self, request: Request) -> Template:
            return await objection_page(request, pages, item_id(request))

        @post(
            f"/{{{item}:int}}/objections", name=f"{prefix}objection_raise", opt=allow(PUBLIC), status_code=303
        )
        async def objection_raise(
            self, request: Request, data: Annotated[ObjectionForm, URL_ENCODED]
        ) -> Redirect | Template:
            return await raise_objection(request, pages, item_id(request), data)

        @get("/objections", name=f"{prefix}objections", opt=allow(BUREAU_ADMIN))
        async def objection_list(self, request: Request) -> Template:
            return await objections_page(request, pages)

        @post(
            "/objections/{objection_id:int}/resolve",
            name=f"{prefix}objection_resolve",
            opt=allow(BUREAU_ADMIN),
            status_code=303,
        )
        async def objection_resolve(
            self, request: Request, objection_id: FromPath[int], data: Annotated[ResolveForm, URL_ENCODED]
        ) -> Redirect | Template:
            return await resolve(request, pages, objection_id, data)

    return NoticeRoutes
