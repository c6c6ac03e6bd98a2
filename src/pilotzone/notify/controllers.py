"""The inbox (站内信) of a pilot zone: the signed-in user's messages newest first, one message, mark
one or all read (POST forms: no JavaScript needed), and the channel preferences with the phone."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from pilotzone.auth.dependencies import CurrentPrincipal
from pilotzone.auth.guards import MEMBERS, allow
from pilotzone.notify import inbox
from pilotzone.notify.codes import Channel
from pilotzone.notify.events import Event
from pilotzone.notify.services import channels_configured
from pilotzone.tenancy.dependencies import CurrentTenant
from pilotzone.web.forms import URL_ENCODED
from pilotzone.web.i18n import gettext as _
from pilotzone.web.render import page_of, render
from pilotzone.web.urls import url_for


class ReadForm(msgspec.Struct):
    go: str = ""  # "1": continue to the message's link


class InboxController(Controller):
    path = "/z/{slug:str}/inbox"

    @get("/", name="notify_inbox", opt=allow(MEMBERS))
    async def inbox_page(
        self, request: Request, principal: CurrentPrincipal, page: FromQuery[int | None] = None
    ) -> Template:
        user = principal.user_id or 0
        total = await inbox.count(user)
        shown = page_of(page, inbox.PAGE_SIZE, total)
        return render(
            request,
            "notify/inbox.html",
            {
                "messages": await inbox.messages(user, shown.size, shown.offset),
                "unread": await inbox.unread_count(user),
                "page": shown,
                "local_link": inbox.local_link,
                "Event": Event,
            },
        )

    @get("/{message_id:int}", name="notify_message", opt=allow(MEMBERS))
    async def message_page(
        self, request: Request, principal: CurrentPrincipal, message_id: FromPath[int]
    ) -> Template:
        message = await inbox.message(principal.user_id or 0, message_id)
        if message is None:
            raise NotFoundException(_("No such message."))
        return render(
            request,
            "notify/message.html",
            {"message": message, "target": inbox.local_link(message.link), "Event": Event},
        )

    @post("/{message_id:int}/read", name="notify_read", status_code=303, opt=allow(MEMBERS))
    async def read(
        self,
        request: Request,
        principal: CurrentPrincipal,
        tenant: CurrentTenant,
        message_id: FromPath[int],
        data: Annotated[ReadForm, URL_ENCODED],
    ) -> Redirect:
        message = await inbox.message(principal.user_id or 0, message_id)
        if message is None:
            raise NotFoundException(_("No such message."))
        if not principal.province:
            await inbox.mark_read(principal.user_id or 0, message.id)
        target = inbox.local_link(message.link) if data.go == "1" else ""
        return Redirect(path=target or url_for(request, "notify_inbox", slug=tenant.slug), status_code=303)

    @post("/read-all", name="notify_read_all", status_code=303, opt=allow(MEMBERS))
    async def read_all(
        self, request: Request, principal: CurrentPrincipal, tenant: CurrentTenant
    ) -> Redirect:
        if principal.user_id and not principal.province:
            await inbox.mark_read(principal.user_id)
        return Redirect(path=url_for(request, "notify_inbox", slug=tenant.slug), status_code=303)

    @get("/preferences", name="notify_preferences", opt=allow(MEMBERS))
    async def preferences(self, request: Request, principal: CurrentPrincipal) -> Template:
        return await _preferences(request, principal)

    @post("/preferences", name="notify_preferences_save", status_code=303, opt=allow(MEMBERS))
    async def save_preferences(
        self, request: Request, principal: CurrentPrincipal, tenant: CurrentTenant
    ) -> Redirect | Template:
        form = await request.form()
        user = principal.user_id
        if user is None or principal.province:
            return Redirect(path=url_for(request, "notify_inbox", slug=tenant.slug), status_code=303)
        chosen = {
            (event, channel)
            for event in inbox.CHOOSABLE
            for channel in Channel
            if form.get(f"{channel}:{event}") == "on"
        }
        phone = str(form.get("phone", ""))
        try:
            await inbox.save_profile(user, phone=phone)
        except ValueError:
            error = _("Enter a phone number of digits (spaces, dashes and a leading + are allowed).")
            return await _preferences(request, principal, {"phone": error}, phone, status_code=400)
        await inbox.save_choices(user, chosen)
        return Redirect(
            path=url_for(request, "notify_preferences", slug=tenant.slug) + "?saved=1", status_code=303
        )


async def _preferences(
    request: Request,
    principal: CurrentPrincipal,
    errors: dict[str, str] | None = None,
    phone: str | None = None,
    status_code: int = 200,
) -> Template:
    user = principal.user_id or 0
    _language, stored_phone = await inbox.profile(user)
    return render(
        request,
        "notify/preferences.html",
        {
            "choices": await inbox.choices(user),
            "phone": stored_phone if phone is None else phone,
            "errors": errors or {},
            "saved": request.query_params.get("saved") == "1",
            "configured": channels_configured(),
            "Channel": Channel,
            "Event": Event,
        },
        status_code=status_code,
    )
