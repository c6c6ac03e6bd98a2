"""Pages of the official data import (bureau administrators) and of the official figures (bureau).

``/z/<slug>/trade/imports/``: past imports and the upload form. The upload streams into the document
store (``documents.services.receive_upload``) under a new batch, all in a savepoint: a refused upload
leaves no batch, document or object behind. The import runs as a job (``trade_import``); its page
``/imports/<batch>`` polls itself every second while it runs (a reload without JavaScript) and then
shows the counts or every problem (row, column, reason).
``/z/<slug>/trade/figures/``: the current official figures with filters; ``/figures/<id>`` one
figure with the values corrections replaced."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from pilotzone import db
from pilotzone.auth import audit
from pilotzone.auth.dependencies import CurrentPrincipal
from pilotzone.auth.guards import allow, tenant
from pilotzone.auth.middleware import CsrfFailed, token_matches
from pilotzone.auth.principal import Principal
from pilotzone.documents import services as documents
from pilotzone.documents.owners import OwnerKind
from pilotzone.documents.owners import register as register_owner
from pilotzone.jobs.services import get_run
from pilotzone.tenancy.dependencies import CurrentTenant
from pilotzone.trade import import_views as views
from pilotzone.trade.codes import Direction, Mode, Source
from pilotzone.trade.import_job import start_import
from pilotzone.trade.store import start_batch
from pilotzone.web.i18n import gettext as _
from pilotzone.web.render import render
from pilotzone.web.urls import url_for

OWNER_KIND = "trade_batch"
# what an import may be: CSV (UTF-8 sniffs as text, GB18030 as bytes) or XLSX
IMPORT_TYPES = (
    "text/plain",
    "application/octet-stream",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
BUREAU = tenant("bureau_admin", "bureau_reviewer")  # and, reading, province users
IMPORTER = tenant("bureau_admin", province_read=False)  # a city's imports are its bureau's work


async def _batch_visible(principal: Principal, batch_id: int) -> bool:
    """The uploaded file of an import: its city's bureau admins (the tenant by RLS), as the import page."""
    return principal.role == "bureau_admin" and (await views.batch(batch_id))[0] is not None


async def _never(principal: Principal, batch_id: int) -> bool:
    return False  # an import's file comes with the upload on the imports page, nothing is added later


async def _no_context(batch_id: int) -> dict:
    return {"batches": [], "error": ""}


register_owner(
    OWNER_KIND,
    OwnerKind(visible=_batch_visible, may_upload=_never, page="trade/imports/index.html", context=_no_context,
              route=("trade_imports", None)),
)


async def _list(request: Request, error: str = "", status_code: int = 200) -> Template:
    rows = [
        {**dict(r), "status_label": views.status_label(r["status"])} for r in await views.batches()
    ]
    return render(request, "trade/imports/index.html", {"batches": rows, "error": error}, status_code=status_code)


class TradeImportController(Controller):
    path = "/z/{slug:str}/trade"

    @get("/imports/", name="trade_imports", opt=allow(IMPORTER))
    async def imports(self, request: Request) -> Template:
        return await _list(request)

    @post(
        "/imports/",
        name="trade_import_upload",
        status_code=303,
        request_max_body_size=None,
        opt={**allow(IMPORTER), "csrf_in_stream": True},
    )
    async def upload(
        self, request: Request, principal: CurrentPrincipal, tenant: CurrentTenant
    ) -> Redirect | Template:
        content_type = request.headers.get("content-type", "")
        boundary = content_type.partition("boundary=")[2].split(";")[0].strip('"')
        header_ok = token_matches(request.scope, request.headers.get("x-csrf-token"))
        savepoint = await db.current_transaction().savepoint()
        try:
            if not content_type.startswith("multipart/form-data") or not boundary:
                raise documents.UploadRejected(400, _("The upload could not be read; try again."))
            batch = await start_batch(Source.OFFICIAL, "", created_by=principal.user_id)
            upload = await documents.receive_upload(
                request.stream(),
                boundary,
                OWNER_KIND,
                batch,
                csrf_ok=lambda fields: header_ok or token_matches(request.scope, fields.get("csrf_token")),
                allowed_types=IMPORT_TYPES,
            )
        except documents.UploadRejected as exc:
            await savepoint.rollback_to()
            if exc.status == 403:
                raise CsrfFailed(exc.message) from None
            return await _list(request, exc.message, exc.status)
        document = upload.document
        await db.fetch("UPDATE trade_batch SET label = $2 WHERE id = $1", batch, document.filename)
        run = await start_import(batch, document.id)
        await audit.record(
            "trade.import_started",
            OWNER_KIND,
            batch,
            after={"file": document.filename, "size": document.size, "sha256": document.sha256, "run": run.id},
        )
        return Redirect(path=url_for(request, "trade_import", slug=tenant.slug, batch_id=batch), status_code=303)

    @get("/imports/{batch_id:int}", name="trade_import", opt=allow(IMPORTER))
    async def result(self, request: Request, batch_id: FromPath[int]) -> Template:
        found, problems, run_id = await views.batch(batch_id)
        if found is None:
            raise NotFoundException("no such import")
        context = {
            "batch": {**dict(found), "status_label": views.status_label(found["status"])},
            "problems": problems,
            "run": await get_run(run_id) if run_id is not None else None,
            "files": await documents.documents_of(OWNER_KIND, batch_id),  # the uploaded file (none from the CLI)
            "live": found["status"] == "running",
        }
        return render(request, "trade/imports/result.html", context, partial="trade/imports/partials/result.html")

    @get("/figures/", name="trade_figures", opt=allow(BUREAU))
    async def figures(
        self,
        request: Request,
        period: FromQuery[str] = "",
        mode: FromQuery[str] = "",
        direction: FromQuery[str] = "",
        enterprise: FromQuery[str] = "",
    ) -> Template:
        chosen = views.FigureFilter(period[:7], mode[:4], direction[:10], enterprise[:100])
        rows = await views.figures(chosen)
        context = {
            "figures": rows[: views.LISTED_FIGURES],
            "more": len(rows) > views.LISTED_FIGURES,
            "chosen": chosen,
            "modes": [(m.value, views.mode_label(m.value)) for m in Mode],
            "directions": [(d.value, views.direction_label(d.value)) for d in Direction],
        }
        return render(request, "trade/figures/index.html", context, partial="trade/figures/partials/table.html")

    @get("/figures/{figure_id:int}", name="trade_figure", opt=allow(BUREAU))
    async def figure(self, request: Request, figure_id: FromPath[int]) -> Template:
        found, history = await views.figure(figure_id)
        if found is None:
            raise NotFoundException("no such figure")
        return render(request, "trade/figures/detail.html", {"figure": found, "history": history})
