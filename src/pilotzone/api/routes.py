"""What the root collects from the api package: ``ROUTES`` (the bureau's pages of clients) and ``API``
(the token endpoint, in the OpenAPI document)."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from pilotzone.api import oauth, pages

ROUTES: list[ControllerRouterHandler] = [*pages.ROUTES]
API: list[ControllerRouterHandler] = [oauth.token]
