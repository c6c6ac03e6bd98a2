"""The pages that compose every domain, so they belong to the composition root: the public landing
page, the tenant colours, the language switch, the health probes (database, S3, broker) and a pilot
zone's home page, the workspace (工作台): what waits for the signed-in user, composed from each domain's
``worklist.todos(principal)`` (``pilotzone.web.worklist``), the menu's pages for the role, the zone's
parks and districts."""

from __future__ import annotations

import asyncio
import re
from typing import Annotated, Any
from urllib.parse import urlsplit

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Response, Template

from pilotzone import db
from pilotzone.auth import audit
from pilotzone.auth.dependencies import CurrentPrincipal
from pilotzone.auth.guards import BUREAU_ADMIN, MEMBERS, PUBLIC, allow
from pilotzone.auth.principal import Principal
from pilotzone.certification import worklist as certification_worklist
from pilotzone.documents.storage import get_storage
from pilotzone.funding import worklist as funding_worklist
from pilotzone.jobs.broker import ping
from pilotzone.jobs.snapshot import start_snapshot
from pilotzone.registry import worklist as registry_worklist
from pilotzone.registry.services import list_parks
from pilotzone.settings import get_settings
from pilotzone.tenancy import services
from pilotzone.tenancy.dependencies import CurrentTenant
from pilotzone.tenancy.services import list_tenants, tenant_colours
from pilotzone.trade import worklist as trade_worklist
from pilotzone.web.forms import URL_ENCODED
from pilotzone.web.i18n import COOKIE, LOCALES
from pilotzone.web.render import render
from pilotzone.web.urls import url_for
from pilotzone.web.worklist import Section, Todo

_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}")
_SLUG = re.compile(r"[a-z0-9-]+")


class LanguageForm(msgspec.Struct):
    """The language switch: a locale code, and the local path to go back to."""

    lang: str = ""
    next: str = ""


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
        self,
        request: Request,
        data: Annotated[LanguageForm, URL_ENCODED],
    ) -> Redirect:
        lang = data.lang
        landing = url_for(request, "landing")
        target = data.next or landing
        parts = urlsplit(target)
        if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
            target = landing  # only local paths: no open redirect
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
    return get_storage().ping()


def _broker_ready() -> bool:
    return ping()


async def _probe(check: Any) -> str:
    try:
        ok = await asyncio.wait_for(asyncio.to_thread(check), timeout=3)
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok" if ok else "error: not ready"


async def work_of(principal: Principal) -> list[Todo]:
    """What waits for ``principal`` in the current tenant, from every domain (one query per kind)."""
    return [
        *await registry_worklist.todos(principal),
        *await certification_worklist.todos(principal),
        *await funding_worklist.todos(principal),
        *await trade_worklist.todos(principal),
    ]


class TenantHomeController(Controller):
    path = "/z/{slug:str}"

    @get("/", name="tenant_home", opt=allow(MEMBERS))
    async def home(self, request: Request, principal: CurrentPrincipal, tenant: CurrentTenant) -> Template:
        record = await services.tenant_record(tenant.id)
        page, parks = await list_parks(1)
        todos = await work_of(principal)
        return render(
            request,
            "tenancy/home.html",
            {
                "record": record,
                "page": page,
                "parks": parks,
                "q": "",
                "todo": [t for t in todos if t.section is Section.TODO],
                "mine": [t for t in todos if t.section is Section.MINE],
                "open": [t for t in todos if t.section is Section.OPEN],
            },
        )

    @post("/stats", name="stats_refresh", status_code=303, opt=allow(BUREAU_ADMIN))
    async def refresh_stats(self, request: HTMXRequest, tenant: CurrentTenant) -> Redirect | Template:
        run = await start_snapshot()
        await audit.record("job.started", "job_run", run.id, after={"kind": run.kind, "total": run.total})
        if request.htmx:
            return render(request, "jobs/partials/progress.html", {"run": run, "slug": tenant.slug})
        return Redirect(path=url_for(request, "job_run", slug=tenant.slug, run_id=run.id), status_code=303)
