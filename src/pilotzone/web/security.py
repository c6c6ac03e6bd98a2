"""Security headers on every response (``add_security_headers``, the app's ``before_send`` hook).

The pages load only their own stylesheet, htmx and the tenant theme from this origin and have no
inline script, style element, style attribute or event handler: the policy allows nothing inline.
htmx's own indicator ``<style>`` is switched off (``<meta name="htmx-config">`` in base.html; the
rules are in static/css/app.css); tenant colours come from ``/theme.css``. HSTS is sent in
production only (``PILOTZONE_ENV=production``, ``HSTS_MAX_AGE``). A response that sets one of these
headers itself keeps its own value.
"""

from __future__ import annotations

from functools import cache

from litestar.types import Message, Scope

from pilotzone.settings import get_settings

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)
# Litestar's API reference page (/schema) is a CDN bundle started by an inline script
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src 'self' data: https://fonts.gstatic.com https://cdn.jsdelivr.net; img-src 'self' data: https:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
PERMISSIONS = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=()"
)


def security_headers(path: str) -> tuple[tuple[bytes, bytes], ...]:
    settings = get_settings()
    hsts = settings.hsts_max_age if settings.production else None
    return _headers(path == "/schema" or path.startswith("/schema/"), hsts)


@cache
def _headers(docs: bool, hsts_max_age: int | None) -> tuple[tuple[bytes, bytes], ...]:
    """Built once per kind of page and setting, not per response."""
    csp = DOCS_CSP if docs else CSP
    headers = [
        (b"content-security-policy", csp.encode()),
        (b"x-frame-options", b"DENY"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"permissions-policy", PERMISSIONS.encode()),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
    if hsts_max_age is not None:
        headers.append((b"strict-transport-security", f"max-age={hsts_max_age}; includeSubDomains".encode()))
    return tuple(headers)


async def add_security_headers(message: Message, scope: Scope) -> None:
    """Litestar ``before_send`` hook: it runs for every response, also those no route matched
    (middleware would miss them)."""
    if message["type"] != "http.response.start":
        return
    headers = list(message.get("headers", ()))
    present = {name.lower() for name, _ in headers}
    for name, value in security_headers(scope.get("path", "")):
        if name not in present:
            headers.append((name, value))
    message["headers"] = headers
