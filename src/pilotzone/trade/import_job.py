"""The upload page's import as a job run (``trade_import``): the uploaded file is read back from the
document store into a temporary file (streamed) and imported in the job's one tenant transaction."""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import msgspec

from pilotzone.documents.services import get_document
from pilotzone.documents.storage import open_object
from pilotzone.jobs.codes import JobKind
from pilotzone.jobs.services import job, start_run
from pilotzone.jobs.tables import JobRun
from pilotzone.trade.imports import import_file

KIND = JobKind.TRADE_IMPORT


class ImportArgs(msgspec.Struct, frozen=True):
    """A run's arguments: the batch it fills and the uploaded document."""

    batch: int
    document: int


async def start_import(batch: int, document: int) -> JobRun:
    """Record the run (in the caller's transaction); the worker imports after commit."""
    return await start_run(KIND, total=1, args={"batch": batch, "document": document})


def _copy(chunks: Iterator[bytes], target: Path) -> None:
    with target.open("wb") as fh:
        for chunk in chunks:
            fh.write(chunk)


@job(KIND)
async def import_step(run: JobRun) -> bool:
    raw = json.loads(run.args) if isinstance(run.args, str) else run.args
    args = msgspec.convert(raw, ImportArgs)
    document = await get_document(args.document)
    if document is None:
        raise LookupError(f"document {args.document} not found")
    chunks = await open_object(document.storage_key)
    with tempfile.TemporaryDirectory(prefix="pilotzone-import-") as folder:
        path = Path(folder) / "upload"
        await asyncio.to_thread(_copy, chunks, path)
        await import_file(path, document.filename, batch=args.batch)
    run.done = 1
    return True
