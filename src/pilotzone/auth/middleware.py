"""Entry-point middleware of identity: session lookup, request id, and CSRF.

* :class:`AuthMiddleware` loads the session (global tables, before the tenant transaction) into
  ``scope["auth"]`` and gives the request an id; the tenancy middleware uses the user id to set
  ``app.user_id`` and, for provincial users, the read-only role.
* :func:`client_address` is the one place that decides a request's client address (login and
  objection limits, self-registration limit, stored addresses): the TCP peer, unless that peer is a
  proxy named in ``TRUSTED_PROXIES``, then the nearest untrusted hop of ``X-Forwarded-For``.
* :class:`CSRFMiddleware`: every unsafe request carries the token of its session (or, before sign-in,
  of the ``pz_csrf`` cookie) in the ``X-CSRF-Token`` header (HTMX, set once in the layout) or the
  ``csrf_token`` form field. Streaming uploads check the field themselves before the first file byte.
"""

from __future__ import annotations

import contextvars
import hmac
import ipaddress
import os
import secrets
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.middleware import ASGIMiddleware
from litestar.types import (
    ASGIApp,
    HTTPDisconnectEvent,
    HTTPRequestEvent,
    Message,
    Receive,
    ReceiveMessage,
    Scope,
    Send,
)

from pilotzone import db
from pilotzone.auth import sessions
from pilotzone.settings import get_settings

ANON_CSRF_COOKIE = "pz_csrf"
SAFE = {"GET", "HEAD", "OPTIONS", "TRACE"}
MAX_FORM = 1024 * 1024


@dataclass(frozen=True, slots=True)
class RequestMeta:
    request_id: str
    ip: str
    user_agent: str


_meta: contextvars.ContextVar[RequestMeta | None] = contextvars.ContextVar("pilotzone_request", default=None)


def request_meta() -> RequestMeta | None:
    return _meta.get()


def _cookies(scope: Scope) -> dict[str, str]:
    """The request's cookies, parsed once (the locale middleware, outermost, may have done it)."""
    parsed = scope.get("cookies_parsed")
    if parsed is not None:
        return parsed  # type: ignore[return-value]
    jar: SimpleCookie = SimpleCookie()
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: S112 - a malformed cookie header is ignored
                continue
    cookies = {k: m.value for k, m in jar.items()}
    scope["cookies_parsed"] = cookies  # type: ignore[typeddict-unknown-key]
    return cookies


def _header(scope: Scope, wanted: bytes) -> str:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return value.decode("latin-1")
    return ""


def _trusted(address: str) -> bool:
    networks = get_settings().trusted_proxies
    if not networks:  # the default: no address is parsed on the hot path
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(scope: Scope) -> str:
    """The client's address: the peer of the connection, or, when the peer is a trusted proxy, the
    right-most ``X-Forwarded-For`` hop that is not itself a trusted proxy (hops left of it were
    written by the client and prove nothing). Without ``TRUSTED_PROXIES`` the header is ignored."""
    peer = (scope.get("client") or ("", 0))[0] or ""
    if not _trusted(peer):
        return peer
    hops = [
        hop.strip()
        for name, value in scope.get("headers", [])
        if name == b"x-forwarded-for"
        for hop in value.decode("latin-1").split(",")
    ]
    address = peer
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break  # garbage from the client side: keep the last hop a trusted proxy vouched for
        address = hop
        if not _trusted(hop):
            break
    return address


def request_ip(connection: ASGIConnection) -> str:
    """The client address of the current request (see :func:`client_address`)."""
    meta = _meta.get()
    return meta.ip if meta is not None else client_address(connection.scope)


# the machine API (pilotzone.api): bearer tokens, no session cookie and no CSRF token
MACHINE_PATHS = ("/api/", "/oauth/")


def _bypass(scope: Scope) -> bool:
    return scope["path"].startswith(("/static/", "/healthz", "/readyz", "/schema"))


def _bypass_csrf(scope: Scope) -> bool:
    return _bypass(scope) or scope["path"].startswith(MACHINE_PATHS)


class AuthMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(self) -> None:
        self.should_bypass_for_scope = _bypass

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        token = None if scope["path"].startswith(MACHINE_PATHS) else _cookies(scope).get(sessions.COOKIE)
        meta = RequestMeta(os.urandom(8).hex(), client_address(scope), _header(scope, b"user-agent")[:300])
        reset = _meta.set(meta)
        try:
            if token and scope.get("method") in ("GET", "HEAD"):
                # the session lookup and the tenant transaction share one pooled connection (not for
                # a form post: the CSRF check reads its body in between, holding no connection)
                async with db.one_connection():
                    scope["auth"] = await sessions.load(token)
                    await next_app(scope, receive, send)
            else:
                scope["auth"] = await sessions.load(token)
                await next_app(scope, receive, send)
        finally:
            _meta.reset(reset)


class CsrfFailed(PermissionDeniedException):
    """403: the request's CSRF token is missing or wrong."""


def expected_token(scope: Scope) -> str:
    token = scope.get("csrf_token")  # set by CSRFMiddleware (a str)
    return token if isinstance(token, str) else ""


def token_matches(scope: Scope, offered: str | None) -> bool:
    expected = expected_token(scope)
    return bool(expected and offered) and hmac.compare_digest(expected, offered or "")


class CSRFMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(self) -> None:
        self.should_bypass_for_scope = _bypass_csrf

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        session = scope.get("auth")
        parsed = scope.get("cookies_parsed")  # set by AuthMiddleware (a dict)
        cookies: dict[str, str] = parsed if isinstance(parsed, dict) else {}
        new_anon = None
        if session is not None:
            scope["csrf_token"] = session.csrf_token  # type: ignore[typeddict-unknown-key]  # our own scope entry: Litestar's Scope TypedDict has no such key
        else:
            anon = cookies.get(ANON_CSRF_COOKIE, "")
            if len(anon) < 32:
                anon = new_anon = secrets.token_urlsafe(32)
            scope["csrf_token"] = anon  # type: ignore[typeddict-unknown-key]  # our own scope entry: Litestar's Scope TypedDict has no such key
        if scope.get("method") not in SAFE:  # an HTTP scope (scopes above): it has a method
            receive = await self._check(scope, receive)
        if new_anon is not None:
            secure = "; Secure" if get_settings().production else ""  # like the session cookie
            send = _with_cookie(
                send, f"{ANON_CSRF_COOKIE}={new_anon}; Path=/; HttpOnly; SameSite=Lax{secure}"
            )
        await next_app(scope, receive, send)

    async def _check(self, scope: Scope, receive: Receive) -> Receive:
        header = _header(scope, b"x-csrf-token")
        if header:
            if token_matches(scope, header):
                return receive
            raise CsrfFailed("the form's security token is wrong")
        content_type = _header(scope, b"content-type")
        if content_type.startswith("application/x-www-form-urlencoded"):
            body = bytearray()
            more = True
            while more:
                message = await receive()
                if message["type"] == "http.request":
                    body += message.get("body", b"")
                    more = message.get("more_body", False)
                else:  # http.disconnect: no more body
                    more = False
                if len(body) > MAX_FORM:
                    raise CsrfFailed("form too large")
            offered = parse_qs(body.decode("latin-1")).get("csrf_token", [""])[0]
            if not token_matches(scope, offered):
                raise CsrfFailed("the form's security token is missing or wrong")
            return replay(bytes(body))
        handler = scope.get("route_handler")
        if (
            content_type.startswith("multipart/form-data")
            and handler is not None
            and handler.opt.get("csrf_in_stream")
        ):
            return receive  # the streaming parser checks the csrf_token field before any file byte
        raise CsrfFailed("the request carries no security token")


def replay(body: bytes) -> Receive:
    """A ``receive`` that hands the app a body already read (once), then a disconnect."""
    sent = False

    async def receive() -> ReceiveMessage:
        nonlocal sent
        if not sent:
            sent = True
            request: HTTPRequestEvent = {"type": "http.request", "body": body, "more_body": False}
            return request
        disconnect: HTTPDisconnectEvent = {"type": "http.disconnect"}
        return disconnect

    return receive


def _with_cookie(send: Send, cookie: str) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            headers.append((b"set-cookie", cookie.encode("latin-1")))
            message = {**message, "headers": headers}
        await send(message)

    return wrapped
