"""Official data import (单一窗口 / 海关统计, issue 14 item 3): one file, checked whole, then merged.

:func:`import_file` runs in the caller's tenant transaction (the CLI's, the job's): the file is
streamed into a TEMP staging table by COPY (:mod:`.import_stage`), judged in SQL
(:mod:`.import_check`), and only when no row is wrong merged into ``trade_figure`` as source
``official`` (:mod:`.import_merge`). A refused file writes no figure; its batch row keeps the
problems (the imports page lists them)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import asyncpg
import msgspec

from pilotzone import db
from pilotzone.tenancy.context import current_tenant_id
from pilotzone.trade.codes import BatchStatus, Source
from pilotzone.trade.figures import Problem
from pilotzone.trade.import_check import judge, problems
from pilotzone.trade.import_merge import merge
from pilotzone.trade.import_read import FileRefused
from pilotzone.trade.import_sql import LISTED, ROWS
from pilotzone.trade.import_stage import RAW, stage_file
from pilotzone.trade.reconcile import reconcile
from pilotzone.trade.store import Counts, finish_batch, start_batch
from pilotzone.web.formats import zone
from pilotzone.web.i18n import gettext
from pilotzone.web.labels import N_


class Outcome(msgspec.Struct, frozen=True):
    """What an import did: its batch, the counts when it was written, else the problems (at most
    LISTED of ``refused`` in all)."""

    batch: int
    counts: Counts | None
    problems: list[Problem] = []
    refused: int = 0

    @property
    def ok(self) -> bool:
        return self.counts is not None


def today() -> date:
    """Today in the tenant's zone (a period after this month is in the future)."""
    return datetime.now(zone()).date()


async def check_and_merge(conn: asyncpg.Connection, path: Path, batch: int) -> tuple[Counts | None, list[Problem], int]:
    """Stage, judge and (when nothing is wrong) merge ``path``; the counts or the problems."""
    tenant_id = current_tenant_id()
    try:
        header, found = await stage_file(conn, path)
    except FileRefused as exc:
        return None, exc.problems, len(exc.problems)
    judged = await judge(conn, today())
    listed, total = await problems(conn, header, judged)
    if found:  # rows whose cells PostgreSQL's CSV parser could not split, found while reading
        listed = sorted(found + listed, key=lambda p: p.row)[:LISTED]
        total += len(found)
    if total:
        return None, listed, total
    rows = judged.rows
    inserted, replaced = await merge(conn, ROWS, tenant_id, Source.OFFICIAL, batch)
    return Counts(rows=rows, inserted=inserted, replaced=replaced, unchanged=rows - inserted - replaced), [], 0


async def import_file(path: Path, label: str, created_by: int | None = None, batch: int | None = None) -> Outcome:
    """Import ``path`` as official figures in the current tenant transaction; a refused file writes
    nothing but its batch row (status ``refused``, its problems). ``batch``: one already started
    (the upload page starts it with the job run)."""
    conn = db.current_transaction().connection
    if batch is None:
        batch = await start_batch(Source.OFFICIAL, label, created_by=created_by)
    await conn.execute("SAVEPOINT pz_import")
    counts, listed, total = await check_and_merge(conn, path, batch)
    if counts is None:
        await conn.execute("ROLLBACK TO SAVEPOINT pz_import")  # whatever was staged or written: gone
        errors = list(listed)
        if total > len(listed):
            errors.append(Problem(0, "", gettext(N_("… and %(count)s more problems"), count=total - len(listed))))
        await finish_batch(batch, Counts(0, 0, 0, 0), BatchStatus.REFUSED, errors)
        return Outcome(batch, None, listed, total)
    await conn.execute("RELEASE SAVEPOINT pz_import")
    if counts.inserted or counts.replaced:  # the months it changed are reconciled with the returns at once
        await reconcile([r["period"] for r in await conn.fetch(f"SELECT DISTINCT period FROM {ROWS}")])  # noqa: S608
    await conn.execute(f"DROP TABLE {ROWS}, {RAW}")
    await finish_batch(batch, counts, BatchStatus.DONE)
    return Outcome(batch, counts)
