"""Fixtures of the monthly-return tests: ``firm`` makes enterprises of guangzhou, each with its own
enterprise user signed in (``Firm``); afterwards everything made for them goes (returns, figures,
batches, messages, users). A conftest is imported before the session's environment is set: pilotzone
and the factories are imported inside the fixtures."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest


@dataclass
class Firm:
    id: int
    uscc: str
    name: str
    user: int
    email: str
    client: Any  # signed in as the enterprise's user


# (statement, whose ids: "users" or "firms")
CLEANUP = (
    ("DELETE FROM notify_delivery WHERE message IN (SELECT id FROM notify_message WHERE recipient = ANY($1::int[]))", "users"),
    ("DELETE FROM notify_message WHERE recipient = ANY($1::int[])", "users"),
    ("DELETE FROM trade_figure_history WHERE figure IN (SELECT id FROM trade_figure WHERE enterprise = ANY($1::int[]))", "firms"),
    ("DELETE FROM trade_figure WHERE enterprise = ANY($1::int[])", "firms"),
    ("DELETE FROM trade_batch WHERE submission IN (SELECT id FROM submission WHERE applicant_enterprise = ANY($1::int[]))", "firms"),
    ("DELETE FROM submission WHERE applicant_enterprise = ANY($1::int[])", "firms"),
    ("DELETE FROM overseas_warehouse WHERE enterprise = ANY($1::int[])", "firms"),
    ('DELETE FROM membership WHERE "user" = ANY($1::int[])', "users"),
    ("DELETE FROM pz_user WHERE id = ANY($1::int[])", "users"),
    ("DELETE FROM enterprise WHERE id = ANY($1::int[])", "firms"),
)


@pytest.fixture
async def firms(owner: asyncpg.Connection, as_user) -> AsyncIterator[Any]:  # type: ignore[no-untyped-def]
    """``await firms()``: a new enterprise of guangzhou with its user signed in (a ``Firm``)."""
    from tests import factories

    made: list[Firm] = []
    async with contextlib.AsyncExitStack() as stack:

        async def make() -> Firm:
            enterprise = await factories.enterprise("guangzhou", district_code="440106")
            email = f"{factories.unique('ret')}@example.com"
            person, _ = await factories.member("guangzhou", "enterprise_user", email=email, enterprise=enterprise.id)
            client = await stack.enter_async_context(as_user(email))
            firm = Firm(enterprise.id, enterprise.uscc, enterprise.name, person.id, email, client)
            made.append(firm)
            return firm

        yield make
    ids, users = [f.id for f in made], [f.user for f in made]
    for sql, whose in CLEANUP:
        await owner.execute(sql, users if whose == "users" else ids)


@pytest.fixture
async def firm(firms) -> Firm:  # type: ignore[no-untyped-def]
    return await firms()


@pytest.fixture(scope="session")
async def reviewer_gz(as_user):  # type: ignore[no-untyped-def]
    from tests.support import demo

    async with as_user(demo("reviewer", "guangzhou")) as client:
        yield client
