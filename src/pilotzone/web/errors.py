"""Error pages: HTML for people, with the status code kept."""

from __future__ import annotations

import logging

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException
from litestar.response import Template

from pilotzone.web.i18n import gettext as _
from pilotzone.web.render import render

log = logging.getLogger(__name__)


def not_found(request: Request, exc: NotFoundException) -> Response | Template:
    return render(request, "errors/404.html", {"detail": exc.detail}, status_code=404)


def http_error(request: Request, exc: HTTPException) -> Response | Template:
    return render(
        request,
        "errors/error.html",
        {"status": exc.status_code, "detail": exc.detail},
        status_code=exc.status_code,
    )


def server_error(request: Request, exc: Exception) -> Response | Template:
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    return render(
        request,
        "errors/error.html",
        {"status": 500, "detail": _("Something went wrong on our side.")},
        status_code=500,
    )
