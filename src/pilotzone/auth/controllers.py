"""Sign-in, sign-out, choosing the acting membership, invitations and password resets."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlsplit

import msgspec
from litestar import Controller, Request, get, post
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from pilotzone.auth import audit, oidc, services, sessions
from pilotzone.auth.dependencies import CurrentPrincipal
from pilotzone.auth.guards import PUBLIC, SIGNED_IN, allow
from pilotzone.auth.middleware import request_ip
from pilotzone.auth.principal import load_memberships
from pilotzone.auth.tables import User
from pilotzone.tenancy.context import current_context
from pilotzone.web.forms import URL_ENCODED
from pilotzone.web.i18n import gettext as _
from pilotzone.web.labels import N_
from pilotzone.web.render import render
from pilotzone.web.urls import url_for

# posted forms with fixed fields are typed (as workflow.forms, which auth does not import): every field
# text defaulting to "", so a missing one decodes and the page answers with its error


class LoginForm(msgspec.Struct):
    email: str = ""
    password: str = ""
    next: str = ""


class ContextForm(msgspec.Struct):
    """The acting membership chosen: a membership id or ``province``."""

    membership: str = ""
    next: str = ""


class InviteForm(msgspec.Struct):
    display_name: str = ""
    password: str = ""


class ResetForm(msgspec.Struct):
    password: str = ""


def safe_next(target: str | None, default: str = "/") -> str:
    """Only local paths; anything else falls back to ``default`` (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
    ):
        return default
    return target


async def signed_in_response(request: Request, user: User, next_path: str | None) -> Redirect:
    """Rotate the session, pick the acting membership when there is only one choice, go on."""
    client = request_ip(request)
    token, session = await sessions.start(
        user.id, request.cookies.get(sessions.COOKIE), client, request.headers.get("user-agent", "")
    )
    memberships = await load_memberships(user.id)
    if user.province_role and not memberships:
        await sessions.choose(session.id, None, True)
        target = safe_next(next_path, url_for(request, "province"))
    elif len(memberships) == 1 and not user.province_role:
        await sessions.choose(session.id, memberships[0].id, False)
        target = safe_next(next_path, url_for(request, "tenant_home", slug=memberships[0].tenant_slug))
    elif not memberships and not user.province_role:
        target = url_for(request, "no_access")
    else:
        target = url_for(request, "choose_context") + (
            f"?next={quote(safe_next(next_path))}" if next_path else ""
        )
    response = Redirect(path=target, status_code=303)
    response.cookies.append(sessions.cookie(token))
    return response


async def _invitation(token: str) -> services.Link:
    link = await services.find_link(token, "invite")
    ctx = current_context()
    if link is None or link.tenant != (ctx.tenant_id if ctx else None):
        raise NotFoundException("invitation not found, used or expired")
    return link


class AuthController(Controller):
    @get("/login", name="login", opt=allow(PUBLIC))
    async def login_form(self, request: Request, next: FromQuery[str] = "") -> Template:  # noqa: A002
        providers = await oidc.login_choices(ctx.tenant_id if (ctx := current_context()) else None)
        return render(
            request,
            "auth/login.html",
            {"next": safe_next(next, ""), "error": None, "email": "", "oidc_providers": providers},
        )

    @post("/login", name="login_submit", opt=allow(PUBLIC), status_code=303)
    async def login(self, request: Request, data: Annotated[LoginForm, URL_ENCODED]) -> Redirect | Template:
        email, password = data.email, data.password
        client = request_ip(request)
        try:
            if not email.strip() or not password:
                raise services.SignInRefused(N_("Enter your email and password."))
            user = await services.authenticate(email, password, client)
        except services.SignInRefused as exc:
            context = {
                "next": safe_next(data.next, ""),
                "email": email,
                "error": _(exc.message, minutes=exc.minutes) if exc.minutes else _(exc.message),
            }
            return render(request, "auth/login.html", context, status_code=429 if exc.minutes else 400)
        return await signed_in_response(request, user, data.next)

    @post("/logout", name="logout", opt=allow(SIGNED_IN), status_code=303)
    async def logout(self, request: Request, principal: CurrentPrincipal) -> Redirect:
        session = principal.session
        if session is None:  # the guard admits only signed-in callers here
            raise NotAuthorizedException("sign in first")
        await audit.record("logout", "user", session.user_id)
        await sessions.end(session.id)
        response = Redirect(path=url_for(request, "landing"), status_code=303)
        response.cookies.append(sessions.expired_cookie())
        return response

    @get("/account/context", name="choose_context", opt=allow(SIGNED_IN))
    async def context_form(
        self,
        request: Request,
        principal: CurrentPrincipal,
        next: FromQuery[str] = "",  # noqa: A002
    ) -> Template:
        return render(request, "auth/context.html", {"principal": principal, "next": safe_next(next, "")})

    @post("/account/context", name="choose_context_submit", opt=allow(SIGNED_IN), status_code=303)
    async def choose(
        self, request: Request, principal: CurrentPrincipal, data: Annotated[ContextForm, URL_ENCODED]
    ) -> Redirect:
        session = principal.session
        if session is None:  # the guard admits only signed-in callers here
            raise NotAuthorizedException("sign in first")
        choice = data.membership
        if choice == "province" and session.province_role:
            await sessions.choose(session.id, None, True)
            target = url_for(request, "province")
        else:
            chosen = next((m for m in principal.memberships if str(m.id) == choice), None)
            if chosen is None:
                raise PermissionDeniedException("not one of your memberships")
            await sessions.choose(session.id, chosen.id, False)
            target = url_for(request, "tenant_home", slug=chosen.tenant_slug)
        await audit.record("session.context", "session", session.id, after={"choice": choice})
        return Redirect(path=safe_next(data.next, target), status_code=303)

    @get("/account/no-access", name="no_access", opt=allow(SIGNED_IN))
    async def no_access(self, request: Request) -> Template:
        return render(request, "auth/no_access.html", {})

    # a tenant invitation is accepted under its tenant's URL (the membership is written in that
    # tenant's transaction); a provincial one under /invite/
    @get(["/invite/{token:str}", "/z/{slug:str}/invite/{token:str}"], name="invite", opt=allow(PUBLIC))
    async def invite_form(self, request: Request, token: FromPath[str]) -> Template:
        link = await _invitation(token)
        return render(request, "auth/invite.html", {"link": link, "token": token, "error": None})

    @post(
        ["/invite/{token:str}", "/z/{slug:str}/invite/{token:str}"],
        name="invite_accept",
        opt=allow(PUBLIC),
        status_code=303,
    )
    async def invite_accept(
        self, request: Request, token: FromPath[str], data: Annotated[InviteForm, URL_ENCODED]
    ) -> Redirect | Template:
        link = await _invitation(token)
        try:
            user = await services.accept_invitation(link, data.display_name, data.password)
        except services.SignInRefused as exc:
            return render(
                request,
                "auth/invite.html",
                {"link": link, "token": token, "error": _(exc.message)},
                status_code=400,
            )
        return await signed_in_response(request, user, None)

    @get("/reset/{token:str}", name="reset", opt=allow(PUBLIC))
    async def reset_form(self, request: Request, token: FromPath[str]) -> Template:
        if await services.find_link(token, "reset") is None:
            raise NotFoundException("link not found, used or expired")
        return render(request, "auth/reset.html", {"token": token, "error": None})

    @post("/reset/{token:str}", name="reset_submit", opt=allow(PUBLIC), status_code=303)
    async def reset(
        self, request: Request, token: FromPath[str], data: Annotated[ResetForm, URL_ENCODED]
    ) -> Redirect | Template:
        link = await services.find_link(token, "reset")
        if link is None:
            raise NotFoundException("link not found, used or expired")
        try:
            await services.apply_reset(link, data.password)
        except services.SignInRefused as exc:
            return render(
                request, "auth/reset.html", {"token": token, "error": _(exc.message)}, status_code=400
            )
        return Redirect(path=url_for(request, "login") + "?reset=1", status_code=303)
