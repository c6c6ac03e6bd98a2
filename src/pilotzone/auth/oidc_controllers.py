"""OpenID Connect sign-in routes: ``/oidc/<key>/login`` leaves for the provider, ``/oidc/<key>/callback``
comes back. The protocol and the account rules are in :mod:`pilotzone.auth.oidc`."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from pilotzone.auth import oidc, oidc_accounts
from pilotzone.auth.controllers import safe_next, signed_in_response
from pilotzone.auth.guards import PUBLIC, allow
from pilotzone.auth.middleware import request_meta
from pilotzone.web.i18n import gettext as _
from pilotzone.web.render import render
from pilotzone.web.urls import url_for


def callback_url(request: Request, key: str) -> str:
    return str(request.base_url).rstrip("/") + url_for(request, "oidc_callback", key=key)


async def _provider(key: str) -> oidc.Provider:
    provider = await oidc.find_provider(key)
    if provider is None:
        raise NotFoundException(f"no sign-in option named '{key}'")
    return provider


def _failed(request: Request, provider: oidc.Provider, failure: oidc.SignInFailed) -> Template:
    meta = request_meta()
    context = {
        "message": _(failure.message, **failure.params) if failure.params else _(failure.message),
        "provider_label": provider.label,
        "refused": failure.status == 403,
        "reference": meta.request_id if meta else "",
    }
    response = render(request, "auth/oidc_error.html", context, status_code=failure.status)
    response.cookies.append(oidc.clear_flow_cookie())
    return response


class OIDCController(Controller):
    path = "/oidc"

    @get("/{key:str}/login", name="oidc_login", opt=allow(PUBLIC))
    async def login(
        self, request: Request, key: FromPath[str], next: FromQuery[str] = ""
    ) -> Redirect | Template:  # noqa: A002
        provider = await _provider(key)
        try:
            url, sealed = await oidc.begin(provider, callback_url(request, key), safe_next(next, ""))
        except oidc.SignInFailed as failure:
            await oidc_accounts.record_failure(key, failure)
            return _failed(request, provider, failure)
        response = Redirect(path=url, status_code=303)
        response.cookies.append(oidc.flow_cookie(sealed))
        return response

    @get("/{key:str}/callback", name="oidc_callback", opt=allow(PUBLIC))
    async def callback(self, request: Request, key: FromPath[str]) -> Redirect | Template:
        provider = await _provider(key)
        params = {name: request.query_params.get(name) or "" for name in request.query_params}
        try:
            user, next_path = await oidc_accounts.sign_in(
                provider, request.cookies.get(oidc.FLOW_COOKIE), params, callback_url(request, key)
            )
        except oidc.SignInFailed as failure:
            await oidc_accounts.record_failure(key, failure)
            return _failed(request, provider, failure)
        response = await signed_in_response(request, user, next_path or None)
        response.cookies.append(oidc.clear_flow_cookie())
        return response
