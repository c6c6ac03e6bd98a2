from __future__ import annotations

import asyncio
import re
from typing import Annotated, Any
from urllib.parse import urlsplit

from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Response, Template

from pilotzone import db
from pilotzone.auth.guards import PUBLIC, allow
from pilotzone.settings import get_settings
from pilotzone.tenancy.services import list_tenants, tenant_colours
from pilotzone.web.i18n import COOKIE, LOCALES
from pilotzone.web.render import render

_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}")
_SLUG = re.compile(r"[a-z0-9-]+")


class PublicController(Controller):
    @get("/", name="landing", opt=allow(PUBLIC))
    async def landing(self, request: Request) -> Template:
        return render(request, "web/landing.html", {"tenants": await list_tenants()})

    @get("/theme.css", name="theme", opt=allow(PUBLIC))
    async def theme(self) -> Response[str]:
        """Each tenant's colours as CSS variables (the pages carry no inline style: see web/security.py)."""
        rules = []
        for t in await tenant_colours():
            primary, accent = t["primary_colour"], t["accent_colour"]
            if not (_COLOUR.fullmatch(primary) and _COLOUR.fullmatch(accent) and _SLUG.fullmatch(t["slug"])):
                continue  # the loader validates both; never write anything else into CSS
            rules.append(
                f'body[data-tenant="{t["slug"]}"] {{ --pz-primary: {primary}; --pz-accent: {accent}; }}\n'
                f'.card[data-tenant="{t["slug"]}"] {{ --pz-card: {primary}; }}\n'
            )
        return Response(
            "".join(rules), media_type="text/css", headers={"Cache-Control": "public, max-age=300"}
        )

    @post("/lang", name="set_language", status_code=303, opt=allow(PUBLIC))
    async def set_language(
        self, data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
    ) -> Redirect:
        lang = data.get("lang", "")
        target = data.get("next", "/")
        parts = urlsplit(target)
        if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
            target = "/"  # only local paths: no open redirect
        response = Redirect(path=target, status_code=303)
        if lang in LOCALES:
            response.cookies.append(
                Cookie(
                    key=COOKIE,
                    value=lang,
                    max_age=365 * 24 * 3600,
                    httponly=True,
                    samesite="lax",
                    path="/",
                    secure=get_settings().production,
                )
            )
        return response


class HealthController(Controller):
    @get("/healthz", name="healthz", sync_to_thread=False, opt=allow(PUBLIC))
    def healthz(self) -> dict[str, str]:
        return {"status": "ok"}

    @get("/readyz", name="readyz", opt=allow(PUBLIC))
    async def readyz(self) -> Response[dict[str, Any]]:
        checks: dict[str, str] = {}
        try:
            async with db.transaction({"app.scope": "public"}):
                await db.fetch("SELECT 1")
            checks["database"] = "ok"
        except Exception as exc:  # a readiness probe reports, it does not raise
            checks["database"] = f"error: {type(exc).__name__}"
        checks["s3"] = await _probe(_s3_ready)
        checks["broker"] = await _probe(_broker_ready)
        ready = all(v == "ok" for v in checks.values())
        return Response(
            {"status": "ok" if ready else "unavailable", "checks": checks}, status_code=200 if ready else 503
        )


def _s3_ready() -> bool:
    from pilotzone.documents.storage import get_storage

    return get_storage().ping()


def _broker_ready() -> bool:
    from pilotzone.jobs.broker import ping

    return ping()


async def _probe(check: Any) -> str:
    try:
        ok = await asyncio.wait_for(asyncio.to_thread(check), timeout=3)
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok" if ok else "error: not ready"
