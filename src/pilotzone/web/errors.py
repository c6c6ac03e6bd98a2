"""Error pages: HTML for people, with the status code kept. (Refusals, which need to know who is asking,
are auth's: ``pilotzone.auth.refusals``.)"""

from __future__ import annotations

import logging

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException
from litestar.response import Template

from pilotzone.settings import ServiceUnavailable
from pilotzone.web.i18n import gettext as _
from pilotzone.web.labels import N_
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


_UNAVAILABLE = {
    "s3": N_("The document store is not reachable right now, so documents can be neither stored nor opened."),
    "database": N_("The database is not reachable right now."),
    "broker": N_("The job service is not reachable right now."),
}
RETRY_AFTER = "30"


def unavailable(request: Request, exc: ServiceUnavailable) -> Response | Template:
    """A service the page needs is down: 503 with a page that says which, and Retry-After. (The
    request's transaction was rolled back by then: nothing of it remains.)"""
    log.warning("%s %s: %s", request.method, request.url.path, exc)
    detail = _UNAVAILABLE.get(exc.service, N_("A service this page needs is not reachable right now."))
    response = render(request, "errors/unavailable.html", {"detail": _(detail)}, status_code=503)
    response.headers["Retry-After"] = RETRY_AFTER
    return response


def server_error(request: Request, exc: Exception) -> Response | Template:
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    return render(
        request,
        "errors/error.html",
        {"status": 500, "detail": _("Something went wrong on our side.")},
        status_code=500,
    )
