"""create_app(): plugins, middleware and the one route list, collected from every package's ``routes.py``.
No handlers here (the pages that compose every domain are in ``pilotzone.home``)."""

from __future__ import annotations

import gc
from collections.abc import Sequence

from jinja2 import pass_context
from litestar import Litestar, Router
from litestar.config.compression import CompressionConfig
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
)
from litestar.openapi.config import OpenAPIConfig
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import ControllerRouterHandler

from pilotzone import db, dossier, home, policies
from pilotzone.api import openapi as api_openapi
from pilotzone.api import principal as api_principal
from pilotzone.api import problems
from pilotzone.api import routes as api
from pilotzone.api.middleware import ApiMiddleware
from pilotzone.auth import dependencies as auth_dependencies
from pilotzone.auth import refusals
from pilotzone.auth import routes as auth
from pilotzone.auth.events import on_link_issued
from pilotzone.auth.guards import PUBLIC, allow, check_access
from pilotzone.auth.middleware import AuthMiddleware, CSRFMiddleware
from pilotzone.auth.principal import current_principal
from pilotzone.auth.roles import Role
from pilotzone.auth.scopes import use_directory
from pilotzone.certification import api as certification_api
from pilotzone.certification import routes as certification
from pilotzone.certification import services as certification_services
from pilotzone.documents import routes as documents
from pilotzone.documents.storage import prepare_bucket
from pilotzone.funding import api as funding_api
from pilotzone.funding import routes as funding
from pilotzone.funding.states import RoundState
from pilotzone.funding.tax import TENANTS as TAX_TENANTS
from pilotzone.jobs import routes as jobs
from pilotzone.jobs.codes import JobKind, JobStatus
from pilotzone.notify import account as notify_account
from pilotzone.notify import routes as notify
from pilotzone.notify.middleware import UnreadMiddleware
from pilotzone.overview import routes as overview
from pilotzone.provisioning import pages as cities
from pilotzone.registry import api as registry_api
from pilotzone.registry import routes as registry
from pilotzone.registry import scopes as registry_scopes
from pilotzone.registry.codes import FieldType, ParkKind, Subject
from pilotzone.settings import ROOT, ServiceUnavailable, get_settings
from pilotzone.tenancy import dependencies as tenancy_dependencies
from pilotzone.tenancy.middleware import TenancyMiddleware
from pilotzone.trade import api as trade_api
from pilotzone.trade import routes as trade
from pilotzone.web import errors, formats, layout, render
from pilotzone.web.deadlines import tenant_today
from pilotzone.web.i18n import gettext, ngettext, pick
from pilotzone.web.labels import label
from pilotzone.web.middleware import LocaleMiddleware
from pilotzone.web.security import add_security_headers
from pilotzone.web.urls import template_url_for
from pilotzone.workflow import info_requests
from pilotzone.workflow.certifiable import use_scheme_keys

# Each package exports its own routes (``<package>/routes.py``); this is the one place that knows them
# all. Every route below answers HTML (pages, form posts that redirect, file downloads): none of them
# is an API, so none is in the OpenAPI document. JSON endpoints go in API.
PAGES: list[ControllerRouterHandler] = [
    *auth.ROUTES,
    home.PublicController,
    home.TenantHomeController,
    *jobs.ROUTES,
    *registry.ROUTES,
    *certification.ROUTES,
    *documents.ROUTES,
    *funding.ROUTES,
    *trade.ROUTES,
    *overview.ROUTES,
    *notify.ROUTES,
    *dossier.ROUTES,  # 一企一档 and the bureau's search (composes the domains)
    *cities.ROUTES,
    *policies.ROUTES,
    *api.ROUTES,  # the bureau's pages of machine clients
    create_static_files_router(
        path="/static", directories=[ROOT / "static"], name="static", opt=allow(PUBLIC)
    ),
]
# JSON: described at /schema/openapi.json. The machine API (/oauth/token, /api/v1/...): each package's
# ``api.py``; its middleware, problems and security schemes are pilotzone.api's
API: list[ControllerRouterHandler] = [
    home.HealthController,
    *api.API,
    *registry_api.API,
    *certification_api.API,
    *funding_api.API,
    *trade_api.API,
]
ROUTES: list[ControllerRouterHandler] = [
    Router(path="/", route_handlers=PAGES, include_in_schema=False),
    *API,
]


def wire() -> None:
    """The hooks through which a lower layer reaches a higher one without importing it: the layout
    shows auth's principal, membership forms list the registry's parks and enterprises, the program
    editor checks a "holds a certification" rule against certification's schemes."""
    render.use_principal(current_principal)
    use_directory(registry_scopes)
    use_scheme_keys(certification_services.active_scheme_keys)
    on_link_issued(notify_account.link_issued)  # invitation and reset links are mailed (notify)
    layout.only_in("tax_estimate", TAX_TENANTS)  # the menu links the estimate where a city has it


def configure_templates(engine: JinjaTemplateEngine) -> None:
    env = engine.engine
    env.auto_reload = get_settings().env == "development"  # no per-render stat() of every template
    env.trim_blocks = env.lstrip_blocks = True  # no whitespace-only output around tags
    # plain callables (no jinja2.ext.i18n wrapper per call): the whole result is autoescaped as usual
    env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext)
    env.globals["pick"] = pick
    # links from route names: Litestar's url_for (route_reverse), compiled per name, index routes keep
    # their trailing slash (pilotzone.web.urls)
    env.globals["url_for"] = pass_context(template_url_for)
    env.globals["label"] = label
    env.globals["menu_for"] = layout.menu_for  # the menu's groups for a role (macros/nav.html, the workspace)
    # the code enums, for label(Role, value) over values read as text
    env.globals.update(Role=Role, JobKind=JobKind, JobStatus=JobStatus, ParkKind=ParkKind, Subject=Subject)
    env.globals["RoundState"] = RoundState
    # the information request form's due date (workflow.info_requests) and its lower bound
    env.globals.update(default_due_on=info_requests.default_due, today_on=tenant_today)
    env.globals["FieldType"] = FieldType
    env.filters["datetime_attr"] = formats.datetime_attr  # <time datetime="{{ at|datetime_attr }}">
    env.globals["amount"] = formats.amount
    env.globals["local_time"] = formats.local_time
    env.globals["local_date"] = formats.local_date
    env.globals["zone_label"] = formats.zone_label
    env.globals["unit_label"] = formats.unit_label
    env.globals["unit_suffix"] = formats.unit_suffix
    env.globals["field_value"] = formats.field_value
    env.globals["number"] = formats.number  # a quantity with thousands separators (88,000.25)
    env.globals["file_size"] = formats.file_size  # 220 字节, 12.5 KB


def _freeze_heap() -> None:
    """Keep the cyclic garbage collector off what start-up built (routes, templates, catalogs) and run
    it less often: its full collections over that heap were the slowest 1 % of answers. Measured with
    bench/notices.py (32 connections): p99 of the public notice page 154–160 ms → 65–88 ms, /verify/
    110 → 27–57 ms."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)  # allocations between young collections (default 700)


def create_app(extra_routes: Sequence[ControllerRouterHandler] = ()) -> Litestar:
    """The application; ``extra_routes`` lets tests mount probes behind the same middleware."""
    wire()
    return Litestar(
        route_handlers=[*ROUTES, *extra_routes],
        middleware=[
            LocaleMiddleware(),
            AuthMiddleware(),
            CSRFMiddleware(),
            TenancyMiddleware(),  # pages; the machine API's tenant and transaction: ApiMiddleware
            ApiMiddleware(),
            UnreadMiddleware(),
        ],
        before_send=[add_security_headers],  # every response, also unmatched routes
        guards=[check_access],
        # ``principal: Principal`` and ``tenant: TenantInfo`` in any handler's signature
        # and ``api_client: ApiClient`` in a machine API handler
        dependencies={
            **auth_dependencies.DEPENDENCIES,
            **tenancy_dependencies.DEPENDENCIES,
            **api_principal.DEPENDENCIES,
        },
        plugins=[HTMXPlugin()],
        template_config=TemplateConfig(
            directory=ROOT / "templates", engine=JinjaTemplateEngine, engine_callback=configure_templates
        ),
        # pages get HTML; /api/ and /oauth/ get RFC 9457 problems (pilotzone.api.problems)
        exception_handlers={
            NotFoundException: problems.or_page(errors.not_found),
            NotAuthorizedException: problems.or_page(refusals.not_signed_in),
            PermissionDeniedException: problems.or_page(refusals.refused),
            HTTPException: problems.or_page(errors.http_error),
            ServiceUnavailable: problems.or_page(errors.unavailable),
            Exception: problems.or_page(errors.server_error),
        },
        on_startup=[db.warm_pool, prepare_bucket, _freeze_heap],
        on_shutdown=[db.DB.close_connection_pool],
        openapi_config=OpenAPIConfig(
            title="PilotZone",
            version="0.1.0",
            components=api_openapi.COMPONENTS,
            openapi_router=Router(
                path="/schema", route_handlers=[], opt=allow(PUBLIC), include_in_schema=False
            ),  # public API docs (the documents themselves are not API operations)
        ),
        # gzip level 6, not 9: level 9 took 27 ms instead of 8 ms for a 300 KB dashboard, for 10 % less
        compression_config=CompressionConfig(
            backend="gzip", minimum_size=1024, gzip_compress_level=6, exclude_opt_key="no_compression"
        ),  # the dashboards compress their shared parts once (pilotzone.overview.spliced)
    )
