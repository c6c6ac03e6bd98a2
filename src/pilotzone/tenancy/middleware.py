"""Resolve the tenant once per request and run the whole request in its transaction.

``/z/<slug>/...`` (or a host name mapped in ``TENANT_HOSTS``) → scope ``tenant``; ``/province/...``
→ scope ``province`` (read-only across tenants); everything else → scope ``public`` (no tenant rows).
An unknown or inactive slug raises NotFoundException, which renders the 404 page.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from litestar.enums import ScopeType
from litestar.exceptions import NotFoundException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from pilotzone import db
from pilotzone.settings import get_settings
from pilotzone.tenancy.context import TenantContext, current_context, tenant_transaction

CACHE_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class TenantInfo:
    """What a request needs of its tenant: id, slug, names and branding (cached, no row object)."""

    id: int
    slug: str
    name_zh: str
    name_en: str
    zone_zh: str
    zone_en: str
    bureau_zh: str
    bureau_en: str
    primary_colour: str
    accent_colour: str
    district_names: dict[str, tuple[str, str]]  # code -> (zh, en)
    time_zone: str = "Asia/Shanghai"  # the zone its pages and exports show times in


_cache: dict[str, tuple[float, TenantInfo | None]] = {}


def forget_tenants() -> None:
    _cache.clear()


_TENANT = (
    "SELECT id, slug, name_zh, name_en, zone_zh, zone_en, bureau_zh, bureau_en, primary_colour, "
    "accent_colour, time_zone, districts FROM tenant WHERE slug = $1 AND active"
)


async def lookup(slug: str) -> TenantInfo | None:
    now = time.monotonic()
    hit = _cache.get(slug)
    if hit is not None and hit[0] > now:
        return hit[1]
    # fetch_global: on the connection the request leased for its session lookup, if any (a request
    # never waits for a second pooled connection while holding one: no deadlock when the pool is busy)
    rows = await db.fetch_global(_TENANT, slug)
    info = None
    if rows:
        row = dict(rows[0])
        names = {d["code"]: (d["zh"], d["en"]) for d in json.loads(row.pop("districts") or "[]")}
        info = TenantInfo(**row, district_names=names)
    _cache[slug] = (now + CACHE_SECONDS, info)
    return info


def current_tenant_districts() -> dict[str, tuple[str, str]]:
    """District names (code -> (zh, en)) of the request's tenant, from the resolution cache."""
    ctx = current_context()
    hit = _cache.get(ctx.slug) if ctx and ctx.slug else None
    return hit[1].district_names if hit and hit[1] else {}


def current_tenant_zone() -> str | None:
    """The time zone of the request's tenant (from the resolution cache); None outside a tenant."""
    ctx = current_context()
    hit = _cache.get(ctx.slug) if ctx and ctx.slug else None
    return hit[1].time_zone if hit and hit[1] else None


def tenant_slug(scope: Scope) -> str | None:
    path: str = scope["path"]
    if path.startswith("/z/"):
        return path[3:].split("/", 1)[0]
    host_map = get_settings().host_map
    if host_map:
        for name, value in scope.get("headers", []):
            if name == b"host":
                return host_map.get(value.decode("latin-1").split(":")[0].lower())
    return None


class TenancyMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(self) -> None:
        # static files, probes and the schema need no tenant and no transaction; the machine API
        # (/api/, /oauth/) resolves its tenant from its bearer token (pilotzone.api.middleware)
        self.should_bypass_for_scope = lambda scope: scope["path"].startswith(
            ("/static/", "/healthz", "/readyz", "/schema", "/api/", "/oauth/")
        )

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        slug = tenant_slug(scope)
        auth = scope.get("auth")  # the session, loaded by the identity middleware
        user_id = auth.user_id if auth else None
        provincial = bool(auth and auth.province and auth.province_role)
        reading = scope.get("method") in ("GET", "HEAD")  # an HTTP scope (scopes above): it has a method
        if slug is not None:
            info = await lookup(slug)
            if info is None:
                raise NotFoundException(f"no pilot zone named '{slug}'")
            scope.setdefault("state", {})["tenant"] = info
            # provincial staff see a city's pages as that city, through the read-only role, except on
            # the few routes that let a province admin manage a city's administrators
            handler = scope.get("route_handler")
            writers = (
                getattr(handler.opt.get("access"), "province_writers", ()) if handler is not None else ()
            )
            writes = provincial and auth.province_role in writers
            ctx = TenantContext(info.id, info.slug, "tenant", user_id, read_only=provincial and not writes)
        elif (
            provincial
            and reading
            and (scope["path"] == "/province" or scope["path"].startswith("/province/"))
        ):
            ctx = TenantContext(None, None, "province", user_id, read_only=True)
        else:
            ctx = TenantContext(None, None, "public", user_id)

        async def send_after_commit(message: Message) -> None:
            if message["type"] == "http.response.start":
                await db.commit_now()  # the answer (a redirect, say) never outruns the data
            await send(message)

        async with tenant_transaction(ctx):
            await next_app(scope, receive, send_after_commit)
