"""Per-request locale from the ``lang`` cookie (zh-CN by default)."""

from __future__ import annotations

from http.cookies import SimpleCookie

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from pilotzone.settings import get_settings
from pilotzone.web.i18n import COOKIE, LOCALES, reset_locale, set_locale, translations


def _cookie_locale(scope: Scope) -> str | None:
    """The ``lang`` cookie's locale. The cookies are parsed once per request, here, into
    ``scope["cookies_parsed"]`` (the identity middleware reads the session cookie from there)."""
    jar: SimpleCookie = SimpleCookie()
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: S112 - a malformed cookie header is ignored
                continue
    cookies = {k: m.value for k, m in jar.items()}
    scope["cookies_parsed"] = cookies  # type: ignore[typeddict-unknown-key]
    chosen = cookies.get(COOKIE)
    return chosen if chosen in LOCALES else None


class LocaleMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(self) -> None:
        # load the compiled catalogs now: a missing one stops the start (CatalogMissing)
        for locale in LOCALES:
            translations(locale)
        self.should_bypass_for_scope = lambda scope: scope["path"].startswith("/static/")

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        token = set_locale(_cookie_locale(scope) or get_settings().default_locale)
        try:
            await next_app(scope, receive, send)
        finally:
            reset_locale(token)
