"""Page-or-fragment rendering (the page template includes its partial) and pagination.

Requests are litestar-htmx's ``HTMXRequest`` (``HTMXPlugin`` sets it app-wide): ``request.htmx`` reads
the ``HX-*`` headers; fragments are answered with ``HTMXTemplate``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.plugins.htmx import HTMXDetails, HTMXRequest, HTMXTemplate
from litestar.response import Template

from pilotzone.web.i18n import HTML_LANG, LOCALE_LABELS, get_locale
from pilotzone.web.layout import cached_fragment


def htmx(request: Request) -> HTMXDetails:
    """The ``HX-*`` headers of ``request`` (falsy when htmx did not send it)."""
    return request.htmx if isinstance(request, HTMXRequest) else HTMXDetails(request)


# Who the layout shows as signed in when no guard put a principal on the request (unmatched routes,
# errors raised before the guard ran). Web renders, it knows no users: auth's lookup is registered by
# the composition root (``pilotzone.app``) with :func:`use_principal`.
def _nobody() -> Any:
    return None


_principal: Callable[[], Any] = _nobody


def use_principal(lookup: Callable[[], Any]) -> None:
    """Register how the layout finds the current principal outside a guarded request."""
    global _principal
    _principal = lookup


def is_htmx(request: Request) -> bool:
    """An htmx request that wants a fragment (a history restore after a cache miss wants the page)."""
    details = htmx(request)
    return bool(details) and not details.history_restore_request


def render(
    request: Request,
    page: str,
    context: dict[str, Any],
    partial: str | None = None,
    status_code: int = 200,
) -> Template:
    """Render ``partial`` for an HTMX request (an ``HTMXTemplate``, which can carry ``HX-*`` answer
    headers), else the full ``page`` (which includes the partial). Either answer says
    ``Vary: HX-Request``: one address serves both."""
    locale = get_locale()
    merged = {
        "tenant": request.scope.get("state", {}).get("tenant"),
        "locale": locale,
        "html_lang": HTML_LANG[locale],
        "locales": LOCALE_LABELS,
        "current_path": current_path(request),
        "principal": request.scope.get("principal") or _principal(),
        "csrf_token": request.scope.get("csrf_token", ""),
        "cached_fragment": cached_fragment,  # the layout's request-independent parts (web.layout)
        **context,
    }
    headers = {"Vary": "HX-Request"} if partial else None
    if partial and is_htmx(request):
        return HTMXTemplate(template_name=partial, context=merged, status_code=status_code, headers=headers)
    return Template(template_name=page, context=merged, status_code=status_code, headers=headers)


def current_path(request: Request) -> str:
    """The path as the browser sent it (routing strips a trailing slash from ``url.path``)."""
    raw = request.scope.get("raw_path") or request.scope["path"].encode()
    query = request.scope.get("query_string", b"")
    return raw.decode("latin-1") + (f"?{query.decode('latin-1')}" if query else "")


@dataclass(frozen=True)
class Page:
    number: int
    size: int
    total: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page_of(number: int | None, size: int, total: int) -> Page:
    pages = max(1, -(-total // size))
    return Page(number=min(max(1, number or 1), pages), size=size, total=total)
