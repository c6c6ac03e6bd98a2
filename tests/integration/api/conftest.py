"""Fixtures of the machine API tests: clients of guangzhou and foshan and their tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest


@pytest.fixture
async def make_client(owner: asyncpg.Connection) -> AsyncIterator[Any]:
    """``await make_client(slug, scopes)`` → (row, secret); the clients (and their kept answers) are
    removed afterwards."""
    from tests import factories

    made: list[int] = []

    async def make(slug: str = "guangzhou", scopes: Any = None) -> Any:
        from pilotzone.api.codes import Scope

        created = await factories.api_client(slug, tuple(Scope) if scopes is None else scopes)
        made.append(created.client.id)
        return created

    yield make
    if made:
        await owner.execute("DELETE FROM api_idempotency WHERE client = ANY($1::int[])", made)
        await owner.execute("DELETE FROM api_client WHERE id = ANY($1::int[])", made)


@pytest.fixture
async def token_of(client: Any) -> Any:
    """``await token_of(created, scope=None)`` → an access token from POST /oauth/token."""

    async def issue(created: Any, scope: str | None = None) -> str:
        data = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
        answer = await client.post("/oauth/token", data=data, auth=(created.client.client_id, created.secret))
        assert answer.status_code == 200, answer.text
        return str(answer.json()["access_token"])

    return issue
