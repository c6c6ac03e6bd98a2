"""The job runs page of a pilot zone (bureau administrators): runs that wait for the job service
(recorded but not sent, or sent and stalled) with a button to send each again, and the latest runs."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from pilotzone.auth import audit
from pilotzone.auth.guards import BUREAU_ADMIN, allow
from pilotzone.jobs import services
from pilotzone.tenancy.dependencies import CurrentTenant
from pilotzone.web.forms import URL_ENCODED
from pilotzone.web.render import render
from pilotzone.web.urls import url_for


class ResendForm(msgspec.Struct):
    """The resend button: the page it was on (only a page of this pilot zone is followed)."""

    next: str = ""


class JobRunController(Controller):
    path = "/z/{slug:str}/jobs"

    @get("/", name="job_runs", opt=allow(BUREAU_ADMIN))
    async def runs(self, request: Request) -> Template:
        return render(
            request,
            "jobs/runs.html",
            {
                "waiting": await services.waiting_runs(),
                "recent": await services.recent_runs(),
            },
        )

    @get("/{run_id:int}", name="job_run", opt=allow(BUREAU_ADMIN))
    async def job_run(self, request: Request, tenant: CurrentTenant, run_id: FromPath[int]) -> Template:
        run = await services.get_run(run_id)
        return render(
            request,
            "jobs/run.html",
            {"run": run, "slug": tenant.slug},
            partial="jobs/partials/progress.html",
            status_code=200 if run else 404,
        )

    @post("/{run_id:int}/resend", name="job_run_resend", status_code=303, opt=allow(BUREAU_ADMIN))
    async def resend(
        self,
        request: Request,
        tenant: CurrentTenant,
        run_id: FromPath[int],
        data: Annotated[ResendForm, URL_ENCODED],
    ) -> Redirect | Template:
        """Send an unfinished run's message again (the work is not repeated: steps resume from the
        run's recorded progress); back to the page the button was on."""
        run = await services.resend(run_id)
        if run is not None:
            await audit.record("job.resent", "job_run", run.id, after={"kind": run.kind})
        back = data.next
        home = url_for(request, "tenant_home", slug=tenant.slug)  # only back into this pilot zone
        if not back.startswith(home) or urlsplit(back).netloc:
            back = url_for(request, "job_runs", slug=tenant.slug)
        return Redirect(path=back, status_code=303)
