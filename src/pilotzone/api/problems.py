"""RFC 9457 problem details: every error under ``/api/`` and ``/oauth/`` is ``application/problem+json``.

Handlers raise :class:`ApiProblem` (or a Litestar HTTPException, which is converted); :func:`or_page`
wraps the application's HTML error handlers so that API paths answer with a problem instead."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
API_PREFIXES = ("/api/", "/oauth/")
TYPE_BASE = "https://pilotzone.cn/problems/"

TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


class FieldError(msgspec.Struct, frozen=True):
    """One invalid value: the row (1-based, 0 for the request as a whole), its column, why."""

    row: int
    column: str
    reason: str


class Problem(msgspec.Struct, omit_defaults=True):
    """An RFC 9457 problem; ``errors`` for validation, ``error`` for OAuth2 token errors."""

    type: str
    title: str
    status: int
    detail: str = ""
    instance: str = ""
    errors: list[FieldError] = msgspec.field(default_factory=list)
    error: str = ""  # RFC 6749 5.2 error code (token endpoint), e.g. invalid_client


class ApiProblem(HTTPException):
    """Raise in an API handler: answered as a problem with these fields and headers."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str = "",
        errors: Sequence[FieldError] = (),
        error: str = "",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status_code=status, detail=detail, headers=headers)
        self.kind = kind or _slug(TITLES.get(status, "error"))
        self.errors = list(errors)
        self.error = error


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def is_api(path: str) -> bool:
    return path.startswith(API_PREFIXES)


def problem_response(
    status: int,
    detail: str,
    instance: str,
    *,
    kind: str = "",
    errors: Sequence[FieldError] = (),
    error: str = "",
    headers: dict[str, str] | None = None,
) -> Response[bytes]:
    body = Problem(
        type=TYPE_BASE + (kind or _slug(TITLES.get(status, "error"))),
        title=TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        instance=instance,
        errors=list(errors),
        error=error,
    )
    return Response(
        content=msgspec.json.encode(body), status_code=status, media_type=MEDIA_TYPE, headers=headers or {}
    )


_KEY = re.compile(r"^(?P<list>\w+)\[(?P<index>\d+)\]\.?(?P<rest>.*)$")


def _decode_errors(exc: ValidationException) -> list[FieldError]:
    """Litestar's body errors (``{"message": "Expected `int`, got `str`", "key": "figures[3].orders"}``)
    as rows: a list's item is its row (1-based), the field its column; a top-level field is row 0."""
    found: list[FieldError] = []
    extra = exc.extra if isinstance(exc.extra, list) else []
    for item in extra:
        message = str(item.get("message", "")) if isinstance(item, dict) else str(item)
        key = str(item.get("key", "") or "") if isinstance(item, dict) else ""
        nested = _KEY.match(key)
        if nested is not None:
            row, column = int(nested.group("index")) + 1, nested.group("rest") or nested.group("list")
        else:
            row, column = 0, key
        found.append(FieldError(row=row, column=column, reason=message))
    return found


def handle(request: Request, exc: Exception) -> Response[bytes]:
    """The problem for any exception raised on an API path."""
    instance = request.url.path
    if isinstance(exc, ApiProblem):
        return problem_response(
            exc.status_code, exc.detail, instance, kind=exc.kind, errors=exc.errors, error=exc.error,
            headers=exc.headers,
        )
    if isinstance(exc, ValidationException):
        errors = _decode_errors(exc)
        return problem_response(
            422 if errors else 400, "The request body is not valid.", instance, kind="invalid-body",
            errors=errors,
        )
    if isinstance(exc, HTTPException):
        return problem_response(exc.status_code, str(exc.detail), instance, headers=exc.headers)
    service = getattr(exc, "service", None)
    if isinstance(service, str):  # pilotzone.settings.ServiceUnavailable
        return problem_response(503, f"The {service} is not reachable right now.", instance,
                                headers={"Retry-After": "30"})
    log.exception("unhandled error on %s", instance, exc_info=exc)
    return problem_response(500, "Something went wrong on our side.", instance)


def or_page(page: Callable[[Request, Any], Any]) -> Callable[[Request, Any], Any]:
    """An exception handler that answers API paths with a problem and everything else as ``page``."""

    def handler(request: Request, exc: Any) -> Any:
        if is_api(request.scope["path"]):
            return handle(request, exc)
        return page(request, exc)

    handler.__name__ = getattr(page, "__name__", "handler")
    return handler
