"""Fixtures shared by the overview tests (a conftest is imported before the session's environment
is set: pilotzone code is imported inside the fixtures)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest


@pytest.fixture
async def scripted(owner: asyncpg.Connection) -> AsyncIterator[dict]:
    """The scripted state changes of :mod:`tests.integration.overview.scripted`, removed afterwards."""
    from tests.integration.overview.scripted import script, unscript

    made = await script(owner)
    yield made
    await unscript(owner, made)
