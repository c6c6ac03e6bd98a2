"""The province dashboard (``/province/``, province roles; read-only across tenants) and the same dashboard
of one city for its bureau (``/z/<slug>/dashboard``): figures from the rollups, drill-down lists,
exports, refresh and monthly report buttons."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import quote
from zoneinfo import ZoneInfo

import msgspec
from jinja2 import Environment
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Response, Stream, Template
from markupsafe import Markup

from pilotzone.auth import audit
from pilotzone.auth.guards import allow, province, tenant
from pilotzone.documents.storage import get_storage
from pilotzone.documents.tables import Document
from pilotzone.overview import dashboard, drill, exports, reports, rollups, trade_sections
from pilotzone.overview.charts import city_bars, month_bars, value_bars
from pilotzone.overview.spliced import NO_COMPRESSION, Deflated, deflate, html_response
from pilotzone.tenancy.context import TenantContext, switch_tenant
from pilotzone.tenancy.dependencies import CurrentTenant
from pilotzone.tenancy.middleware import TenantInfo
from pilotzone.tenancy.services import list_tenants
from pilotzone.web.forms import URL_ENCODED
from pilotzone.web.i18n import gettext as _
from pilotzone.web.render import is_htmx, render
from pilotzone.web.urls import reverser, url_for

BUREAU = tenant("bureau_admin", "bureau_reviewer")
MONTH = re.compile(r"^\d{4}-\d{2}$")
# the export's format (``?format=csv``), the report document's id (``?id=``): typed query parameters
Format = Annotated[str, QueryParameter(name="format")]
DocumentId = Annotated[str, QueryParameter(name="id")]


class MonthForm(msgspec.Struct):
    """The monthly report button: the month as YYYY-MM (empty or malformed: the previous month)."""

    month: str = ""


def _period(request: Request) -> dashboard.Period:
    return dashboard.period_of(request.query_params.get("from"), request.query_params.get("to"))


def links(request: Request, slug: str | None = None) -> dashboard.Links:
    """The provincial overview's addresses, or (``slug``) one city's."""
    names: tuple[str, ...] = ("province", "province_table", "province_list", "province_export", "province_refresh")
    if slug is not None:
        names = tuple(f"tenant_dashboard{n[len('province') :]}" for n in names)
    params = {"slug": slug} if slug is not None else {}
    home, table, listing, export, refresh = (url_for(request, n, **params) for n in names)
    reverse = reverser(request.app)
    reports_name = "province_reports_run" if slug is None else "tenant_reports_run"
    return dashboard.Links(
        home=home,
        table=table,
        list=listing,
        export=export,
        refresh=refresh,
        reports=url_for(request, reports_name, **params),
        city=lambda city: reverse("tenant_dashboard", slug=city),  # kept in the cache: no request
    )


def _sort(request: Request) -> tuple[str, bool]:
    return request.query_params.get("sort", ""), request.query_params.get("dir", "desc") != "asc"


MARKS = {"refreshed": "<!--pz:refreshed-->", "figures": "<!--pz:figures-->"}


def _jinja(request: Request) -> Environment:
    """The app's Jinja environment: the dashboard's shared parts are rendered with it directly."""
    engine = request.app.template_engine
    if not isinstance(engine, JinjaTemplateEngine):
        raise TypeError("the app renders its templates with Jinja (TemplateConfig in app.create_app)")
    return engine.engine


def _shared(request: Request, board: dashboard.Dashboard, name: str, context: dict) -> Deflated:
    """A figures part rendered and deflated once per cached dashboard (it holds no per-user content)."""
    if name not in board.html:
        env = _jinja(request)
        board.html[name] = deflate(env.get_template(f"overview/partials/{name}.html").render(context))
    return board.html[name]


async def _page(
    request: Request, tenants: list[dict], where: dashboard.Links, is_province: bool, page: str
) -> Response:
    period = _period(request)
    sort, descending = _sort(request)
    board = await dashboard.load(period, tenants, where, is_province, sort, descending)
    figures = {
        "board": board,
        "links": where,
        "sort": sort,
        "descending": descending,
        "query": period.query(),
        "tz": ZoneInfo(rollups.TZ),
        "trade_keys": trade_sections.LAZY,
    }
    if "figures" not in board.html:  # the charts are drawn only for the shared part, once
        figures |= {"city_chart": city_bars(board.bars), "month_chart": month_bars(board.months)}
        figures |= {"trade_chart": value_bars(board.trade_bars), "trade_month_chart": month_bars(board.trade_months)}
    if is_htmx(request):  # a sort link: only the table
        return html_response(request, [_shared(request, board, "main_table", figures)])
    context = {
        **figures,
        **{f"{name}_html": Markup(mark) for name, mark in MARKS.items()},  # noqa: S704 - fixed texts
        "is_province": is_province,
        "tenant_reports": await reports.tenant_reports(),
        "province_reports": await reports.province_reports() if is_province else [],
        "tenants_by_id": {t["id"]: t for t in tenants},
        "previous_month": reports.previous_month(),
    }
    # the page around the shared parts is rendered per request (user, CSRF token, buttons, reports)
    template = render(request, page, context)
    env = _jinja(request)
    rest = env.get_template(template.template_name or page).render({**template.context, "request": request})
    parts: list[bytes | Deflated] = []
    for name, mark in MARKS.items():
        before, found, rest = rest.partition(mark)
        assert found, f"{page} does not show {name}"  # noqa: S101 - a template mistake, not input
        parts += [before.encode(), _shared(request, board, name, figures)]
    return html_response(request, [*parts, rest.encode()])


SECTIONS = ("states", "countries", "funding", "trend", *trade_sections.LAZY)


async def _section(
    request: Request, tenants: list[dict], where: dashboard.Links, is_province: bool
) -> Template | Response:
    """One secondary table: the fragment HTMX swaps into the dashboard, or its own page without JS."""
    key = request.query_params.get("table", "")
    period = _period(request)
    board = await dashboard.load(period, tenants, where, is_province)
    if key not in SECTIONS or key not in board.tables:  # a city has no top cities, the province no top enterprises
        raise NotFoundException("no such table")
    figures = {"board": board, "links": where, "query": period.query(), "table": board.tables[key]}
    env = _jinja(request)
    name = f"section-{key}"
    if name not in board.html:
        board.html[name] = deflate(env.get_template("overview/partials/section.html").render(figures))
    if is_htmx(request):
        return html_response(request, [board.html[name]])
    html = Markup(board.html[name].raw.decode())  # noqa: S704 - rendered by the autoescaping env
    return render(request, "overview/table.html", {**figures, "section_html": html})


def _export(table_key: str, fmt: str, board: dashboard.Dashboard, name: str) -> Response:
    table = board.tables.get(table_key)
    if table is None or fmt not in ("csv", "xlsx"):
        raise NotFoundException("no such table")
    body = exports.to_csv(table) if fmt == "csv" else exports.to_xlsx([table])
    media = "text/csv; charset=utf-8" if fmt == "csv" else exports.XLSX
    filename = f"{name}-{table_key}-{board.period.query()['from']}-{board.period.query()['to']}.{fmt}"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


async def _listing(
    request: Request, tenants: list[dict], where: dashboard.Links, is_province: bool
) -> Template:
    m = rollups.metric(request.query_params.get("metric", ""))
    if m is None:
        raise NotFoundException("no such figure")
    period = _period(request)
    slug = request.query_params.get("tenant", "")
    chosen = next((t for t in tenants if t["slug"] == slug), None) if is_province else tenants[0]
    if is_province and slug and chosen is None:
        raise NotFoundException("no such pilot zone")
    dim = request.query_params.get("dim", "")
    page = request.query_params.get("page", "")
    result = await drill.listing(
        m, period, dim, chosen["id"] if chosen else None, int(page) if page.isdigit() else None
    )
    return render(
        request,
        "overview/list.html",
        {
            "metric": m,
            "title": _(drill.TITLES[m.name]),
            "period": period,
            "dim": dim,
            "dim_text": drill.dim_label(m.name, dim),
            "state_of": lambda code: drill.state_label(m.name, code),
            "dim_of": lambda code: drill.dim_label(m.name, code),
            "chosen": chosen,
            "listing": result,
            "tenants_by_id": {t["id"]: t for t in tenants},
            "links": where,
            "is_province": is_province,
            "more": "&" + "&".join(f"{k}={quote(v)}" for k, v in request.query_params.items() if k != "page"),
        },
    )


def _download(data_key: str, filename: str, media: str) -> Stream:
    return Stream(
        get_storage().open_object(data_key),  # opened before the answer starts: S3 down is a 503 page
        media_type=media,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
            "X-Content-Type-Options": "nosniff",
        },
    )


async def _report_document(document_id: int) -> Stream:
    doc = (
        await Document.objects()
        .where((Document.id == document_id) & (Document.owner_kind == "overview_report"))
        .first()
    )
    if doc is None:
        raise NotFoundException("no such report")
    media = doc.content_type + ("; charset=utf-8" if doc.content_type == "text/html" else "")
    return _download(doc.storage_key, doc.filename, media)


class ProvinceController(Controller):
    """Provincial overview: read-only, every tenant (GETs run with app.scope = 'province')."""

    path = "/province"

    @get("/", name="province", opt={**allow(province()), **NO_COMPRESSION})
    async def index(self, request: Request) -> Response:
        return await _page(request, await list_tenants(), links(request), True, "overview/province.html")

    @get("/export", name="province_export", opt=allow(province()))
    async def export(self, request: Request, table: FromQuery[str] = "", fmt: Format = "") -> Response:
        board = await dashboard.load(
            _period(request), await list_tenants(), links(request), True, *_sort(request)
        )
        return _export(table, fmt, board, "province")

    @get("/table", name="province_table", opt={**allow(province()), **NO_COMPRESSION})
    async def table(self, request: Request) -> Template | Response:
        return await _section(request, await list_tenants(), links(request), True)

    @get("/list", name="province_list", opt=allow(province()))
    async def listing(self, request: Request) -> Template:
        return await _listing(request, await list_tenants(), links(request), True)

    @get("/reports/file", name="province_report", opt=allow(province()))
    async def report_file(self, month: FromQuery[str] = "", kind: FromQuery[str] = "") -> Stream:
        key = reports.province_key(month, kind) if MONTH.match(month) else None
        if key is None or not get_storage().exists(key):
            raise NotFoundException("no such report")
        return _download(key, f"province-report-{month}.{kind}", reports.KINDS[kind])

    @get("/reports/document", name="province_tenant_report", opt=allow(province()))
    async def tenant_report(self, raw: DocumentId = "") -> Stream:
        if not raw.isdigit():
            raise NotFoundException("no such report")
        return await _report_document(int(raw))

    # POSTs run in public scope (the province role reads only): like ``tenants sync``, these entry
    # points act for each city in turn, and only record job runs (the jobs do the work per tenant)
    @post("/refresh", name="province_refresh", status_code=303, opt=allow(province("province_admin")))
    async def refresh(self, request: Request) -> Redirect:
        for t in await list_tenants():
            async with switch_tenant(TenantContext(t["id"], t["slug"])):
                run = await rollups.request_refresh()
                await audit.record("overview.refresh_requested", "job_run", run.id)
        return Redirect(path=url_for(request, "province") + "?refreshing=1", status_code=303)

    @post("/reports", name="province_reports_run", status_code=303, opt=allow(province("province_admin")))
    async def run_reports(self, request: Request, data: Annotated[MonthForm, URL_ENCODED]) -> Redirect:
        month = data.month if MONTH.match(data.month) else reports.previous_month()
        for t in await list_tenants():
            async with switch_tenant(TenantContext(t["id"], t["slug"])):
                run = await reports.start_report(month)
                await audit.record("overview.report_requested", "job_run", run.id, after={"month": month})
        return Redirect(path=url_for(request, "province") + "?reporting=1", status_code=303)


class TenantDashboardController(Controller):
    """One city's dashboard for its bureau (provincial staff may read it too)."""

    path = "/z/{slug:str}/dashboard"

    async def _tenants(self, tenant: TenantInfo) -> list[dict]:
        return [t for t in await list_tenants() if t["id"] == tenant.id]

    @get("/", name="tenant_dashboard", opt={**allow(BUREAU), **NO_COMPRESSION})
    async def index(self, request: Request, tenant: CurrentTenant) -> Response:
        return await _page(
            request, await self._tenants(tenant), links(request, tenant.slug), False, "overview/tenant.html"
        )

    @get("/export", name="tenant_dashboard_export", opt=allow(BUREAU))
    async def export(
        self, request: Request, tenant: CurrentTenant, table: FromQuery[str] = "", fmt: Format = ""
    ) -> Response:
        own = await self._tenants(tenant)
        board = await dashboard.load(_period(request), own, links(request, tenant.slug), False)
        return _export(table, fmt, board, tenant.slug)

    @get("/table", name="tenant_dashboard_table", opt={**allow(BUREAU), **NO_COMPRESSION})
    async def table(self, request: Request, tenant: CurrentTenant) -> Template | Response:
        return await _section(request, await self._tenants(tenant), links(request, tenant.slug), False)

    @get("/list", name="tenant_dashboard_list", opt=allow(BUREAU))
    async def listing(self, request: Request, tenant: CurrentTenant) -> Template:
        return await _listing(request, await self._tenants(tenant), links(request, tenant.slug), False)

    @get("/reports/{document_id:int}", name="tenant_report", opt=allow(BUREAU))
    async def report(self, document_id: FromPath[int]) -> Stream:
        return await _report_document(document_id)

    @post("/refresh", name="tenant_dashboard_refresh", status_code=303, opt=allow(tenant("bureau_admin")))
    async def refresh(self, request: Request, tenant: CurrentTenant) -> Redirect:
        run = await rollups.request_refresh()
        await audit.record("overview.refresh_requested", "job_run", run.id)
        return Redirect(
            path=url_for(request, "tenant_dashboard", slug=tenant.slug) + "?refreshing=1", status_code=303
        )

    @post("/reports", name="tenant_reports_run", status_code=303, opt=allow(tenant("bureau_admin")))
    async def run_report(
        self, request: Request, tenant: CurrentTenant, data: Annotated[MonthForm, URL_ENCODED]
    ) -> Redirect:
        month = data.month if MONTH.match(data.month) else reports.previous_month()
        run = await reports.start_report(month, province=False)
        await audit.record("overview.report_requested", "job_run", run.id, after={"month": month})
        return Redirect(
            path=url_for(request, "tenant_dashboard", slug=tenant.slug) + "?reporting=1", status_code=303
        )
