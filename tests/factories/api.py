"""Machine API clients (``api_client``), through ``pilotzone.api.clients.create`` (as the bureau's page
and the CLI do)."""

from __future__ import annotations

from collections.abc import Sequence

from tests.factories.base import acting_in, unique

from pilotzone.api import clients
from pilotzone.api.codes import Scope


async def api_client(slug: str, scopes: Sequence[Scope] = tuple(Scope), name: str | None = None) -> clients.Created:
    """A client of ``slug`` with these scopes (default: all); ``.client`` (row) and ``.secret`` (shown once)."""
    async with acting_in(slug):
        return await clients.create(name or unique("测试接口"), scopes, None, actor="test")
