"""Fixtures of the trade tests. A conftest is imported before the session's environment is set:
pilotzone and the factories are imported inside the fixtures."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest


@pytest.fixture
async def importing(owner: asyncpg.Connection, tmp_path: Path) -> AsyncIterator[dict]:
    """Two enterprises of guangzhou to import figures for, a marker for file names and a folder;
    afterwards their figures, the batches named with the marker (their documents and job runs) and
    the enterprises go."""
    from tests import factories

    first = await factories.enterprise("guangzhou")
    second = await factories.enterprise("guangzhou")
    marker = factories.unique("import")
    yield {"enterprises": [first, second], "marker": marker, "folder": tmp_path}
    ids = [first.id, second.id]
    batches = [
        r["id"] for r in await owner.fetch("SELECT id FROM trade_batch WHERE label LIKE $1", f"{marker}%")
    ]
    await owner.execute("DELETE FROM trade_figure WHERE enterprise = ANY($1::int[])", ids)
    await owner.execute("DELETE FROM job_run WHERE kind = 'trade_import' AND (args->>'batch')::int = ANY($1::int[])", batches)
    await owner.execute("DELETE FROM document WHERE owner_kind = 'trade_batch' AND owner_id = ANY($1::int[])", batches)
    await owner.execute("DELETE FROM trade_batch WHERE id = ANY($1::int[])", batches)
    await owner.execute("DELETE FROM enterprise WHERE id = ANY($1::int[])", ids)
