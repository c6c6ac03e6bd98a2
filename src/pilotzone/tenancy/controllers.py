from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from pilotzone.auth import audit
from pilotzone.auth.guards import BUREAU_ADMIN, MEMBERS, allow
from pilotzone.auth.principal import current_principal
from pilotzone.certification.expiry import reminders_for
from pilotzone.jobs.services import get_run
from pilotzone.registry.services import list_parks
from pilotzone.tenancy import services
from pilotzone.tenancy.context import current_tenant_id
from pilotzone.tenancy.jobs import start_snapshot
from pilotzone.web.render import render


class TenantHomeController(Controller):
    path = "/z/{slug:str}"

    @get("/", name="tenant_home", opt=allow(MEMBERS))
    async def home(self, request: Request) -> Template:
        tenant_id = current_tenant_id()
        record = await services.tenant_record(tenant_id)
        page, parks = await list_parks(1)
        snapshot = (await services.latest_snapshots()).get(tenant_id)
        reminders = await reminders_for(current_principal())  # certificates to renew (holders only)
        return render(
            request,
            "tenancy/home.html",
            {
                "record": record,
                "page": page,
                "parks": parks,
                "q": "",
                "snapshot": snapshot,
                "run": None,
                "reminders": reminders,
            },
        )

    @post("/stats", name="stats_refresh", status_code=303, opt=allow(BUREAU_ADMIN))
    async def refresh_stats(self, request: HTMXRequest, slug: FromPath[str]) -> Redirect | Template:
        run = await start_snapshot()
        await audit.record("job.started", "job_run", run.id, after={"kind": run.kind, "total": run.total})
        if request.htmx:
            return render(request, "jobs/partials/progress.html", {"run": run, "slug": slug})
        return Redirect(path=f"/z/{slug}/jobs/{run.id}", status_code=303)

    @get("/jobs/{run_id:int}", name="job_run", opt=allow(BUREAU_ADMIN))
    async def job_run(self, request: Request, slug: FromPath[str], run_id: FromPath[int]) -> Template:
        run = await get_run(run_id)
        return render(
            request,
            "jobs/run.html",
            {"run": run, "slug": slug},
            partial="jobs/partials/progress.html",
            status_code=200 if run else 404,
        )
