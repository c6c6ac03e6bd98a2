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
        batches = [r["id"] for r in await owner.fetch("SELECT id FROM trade_batch WHERE client = ANY($1::int[])", made)]
        await _drop_figures(owner, "batch", batches)
        await owner.execute("DELETE FROM trade_batch WHERE id = ANY($1::int[])", batches)
        await owner.execute("DELETE FROM warehouse_operation WHERE client = ANY($1::int[])", made)
        await owner.execute("DELETE FROM api_idempotency WHERE client = ANY($1::int[])", made)
        await owner.execute("DELETE FROM api_client WHERE id = ANY($1::int[])", made)


async def _drop_figures(owner: asyncpg.Connection, column: str, ids: list[int]) -> None:
    """Remove the figures (and their history) whose ``column`` (enterprise or batch) is one of ``ids``."""
    assert column in ("enterprise", "batch")
    figures = [r["id"] for r in await owner.fetch(f"SELECT id FROM trade_figure WHERE {column} = ANY($1::int[])", ids)]  # noqa: S608 - a column name checked above
    await owner.execute("DELETE FROM trade_figure_history WHERE figure = ANY($1::int[])", figures)
    if column == "batch":
        await owner.execute(
            "DELETE FROM trade_figure_history WHERE batch = ANY($1::int[]) OR replaced_by = ANY($1::int[])", ids
        )
    await owner.execute("DELETE FROM trade_figure WHERE id = ANY($1::int[])", figures)


@pytest.fixture
async def new_enterprises(owner: asyncpg.Connection) -> AsyncIterator[Any]:
    """``await new_enterprises(slug, n)`` → n fresh active enterprises (rows); removed afterwards with
    their figures and warehouses."""
    from tests import factories

    made: list[int] = []

    async def make(slug: str = "guangzhou", n: int = 1) -> list[Any]:
        rows = [await factories.enterprise(slug) for _ in range(n)]
        made.extend(r.id for r in rows)
        return rows

    yield make
    if made:
        await _drop_figures(owner, "enterprise", made)
        await owner.execute(
            "DELETE FROM warehouse_operation WHERE warehouse IN "
            "(SELECT id FROM overseas_warehouse WHERE enterprise = ANY($1::int[]))", made
        )
        await owner.execute("DELETE FROM overseas_warehouse WHERE enterprise = ANY($1::int[])", made)
        await owner.execute("DELETE FROM enterprise WHERE id = ANY($1::int[])", made)


@pytest.fixture
async def token_of(client: Any) -> Any:
    """``await token_of(created, scope=None)`` → an access token from POST /oauth/token."""

    async def issue(created: Any, scope: str | None = None) -> str:
        data = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
        answer = await client.post("/oauth/token", data=data, auth=(created.client.client_id, created.secret))
        assert answer.status_code == 200, answer.text
        return str(answer.json()["access_token"])

    return issue
