"""An official import (``trade_batch`` with its ``trade_figure`` rows) through the import's own code
path (:func:`pilotzone.trade.imports.import_file` on a CSV file), as the application role."""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.factories.base import acting_in, unique

from pilotzone.trade.imports import import_file

HEADER = "uscc,period,mode,direction,country,value_cny,orders,parcels"


async def official_import(slug: str, rows: list[tuple[str, ...]], label: str | None = None) -> int:
    """Import ``rows`` (cells in HEADER's order) as an official file; the batch id (refused or not)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / (label or f"{unique('official')}.csv")
        path.write_text("\r\n".join([HEADER, *(",".join(r) for r in rows)]) + "\r\n", encoding="utf-8")
        async with acting_in(slug):
            return (await import_file(path, path.name)).batch
