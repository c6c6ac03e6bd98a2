"""What the import and figure pages show, read under RLS in the request's transaction: past official
imports (batches), one batch with its problems, the current official figures with filters, and the
replaced values of one figure."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import asyncpg
import msgspec

from pilotzone import db
from pilotzone.trade.codes import BatchStatus, Direction, Mode, Source
from pilotzone.trade.countries import country_name
from pilotzone.web.i18n import get_locale

LISTED_BATCHES = 50
LISTED_FIGURES = 200
PERIOD = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def status_label(status: str) -> str:
    try:
        return BatchStatus(status).label(get_locale())
    except ValueError:
        return status


def mode_label(code: str) -> str:
    try:
        return Mode(code).label(get_locale())
    except ValueError:
        return code


def direction_label(code: str) -> str:
    try:
        return Direction(code).label(get_locale())
    except ValueError:
        return code


class ProblemRow(msgspec.Struct, frozen=True):
    row: int
    column: str
    reason: str


_BATCH_COLUMNS = """b.id, b.label, b.status, b.rows, b.inserted, b.replaced, b.unchanged, b.created_at,
  b.finished_at, b.errors, coalesce(nullif(u.display_name, ''), u.email, '') AS who"""


async def batches() -> list[asyncpg.Record]:
    """The latest official imports, newest first."""
    return await db.fetch(
        f"SELECT {_BATCH_COLUMNS} FROM trade_batch b LEFT JOIN pz_user u ON u.id = b.created_by "  # noqa: S608
        "WHERE b.source = $1 ORDER BY b.id DESC LIMIT $2",
        str(Source.OFFICIAL),
        LISTED_BATCHES,
    )


async def batch(batch_id: int) -> tuple[asyncpg.Record | None, list[ProblemRow], int | None]:
    """One official import, its problems and the job run that does it (None for the CLI's)."""
    rows = await db.fetch(
        f"SELECT {_BATCH_COLUMNS} FROM trade_batch b LEFT JOIN pz_user u ON u.id = b.created_by "  # noqa: S608
        "WHERE b.id = $1 AND b.source = $2",
        batch_id,
        str(Source.OFFICIAL),
    )
    if not rows:
        return None, [], None
    raw = rows[0]["errors"]
    problems = msgspec.convert(json.loads(raw) if isinstance(raw, str) else raw or [], list[ProblemRow])
    runs = await db.fetch(
        "SELECT id FROM job_run WHERE kind = 'trade_import' AND args->>'batch' = $1 ORDER BY id DESC LIMIT 1",
        str(batch_id),
    )
    return rows[0], problems, runs[0]["id"] if runs else None


class FigureFilter(msgspec.Struct, frozen=True):
    """The figures page's filters, as typed in (each may be empty)."""

    period: str = ""
    mode: str = ""
    direction: str = ""
    enterprise: str = ""

    def where(self) -> tuple[str, list[Any]]:
        """The SQL conditions on ``f`` and ``e`` and their arguments (``$2`` on: ``$1`` is the source)."""
        parts: list[str] = []
        args: list[Any] = []
        match = PERIOD.fullmatch(self.period.strip())
        if match:
            args.append(date(int(match[1]), int(match[2]), 1))
            parts.append(f"f.period = ${len(args) + 1}")
        if self.mode in Mode.values():
            args.append(self.mode)
            parts.append(f"f.mode = ${len(args) + 1}")
        if self.direction in Direction.values():
            args.append(self.direction)
            parts.append(f"f.direction = ${len(args) + 1}")
        text = self.enterprise.strip()
        if text:
            args.append(text.upper())
            args.append(db.contains(text))
            parts.append(f"(e.uscc = ${len(args)} OR e.name ILIKE ${len(args) + 1})")
        return "".join(f" AND {p}" for p in parts), args


async def figures(chosen: FigureFilter) -> list[dict[str, Any]]:
    """Current official figures matching the filters, newest month first (at most LISTED_FIGURES)."""
    where, args = chosen.where()
    rows = await db.fetch(
        "SELECT f.id, f.period, f.mode, f.direction, f.country, f.value_cny, f.orders, f.parcels, f.updated_at, "  # noqa: S608
        "e.name AS enterprise, e.uscc, (SELECT count(*) FROM trade_figure_history h WHERE h.figure = f.id) AS replaced "
        "FROM trade_figure f JOIN enterprise e ON e.id = f.enterprise "
        f"WHERE f.source = $1{where} ORDER BY f.period DESC, e.name, f.mode, f.direction, f.country "
        f"LIMIT {LISTED_FIGURES + 1}",
        str(Source.OFFICIAL),
        *args,
    )
    return [_figure(r) for r in rows]


def _figure(r: asyncpg.Record) -> dict[str, Any]:
    return {
        **dict(r),
        "period_text": f"{r['period']:%Y-%m}",
        "mode_label": mode_label(r["mode"]),
        "direction_label": direction_label(r["direction"]),
        "country_label": country_name(r["country"], get_locale()),
    }


async def figure(figure_id: int) -> tuple[dict[str, Any] | None, list[asyncpg.Record]]:
    """One official figure and the values corrections replaced (newest first)."""
    rows = await db.fetch(
        "SELECT f.id, f.period, f.mode, f.direction, f.country, f.value_cny, f.orders, f.parcels, f.updated_at, "
        "e.name AS enterprise, e.uscc, 0 AS replaced, b.label AS batch_label, b.id AS batch "
        "FROM trade_figure f JOIN enterprise e ON e.id = f.enterprise JOIN trade_batch b ON b.id = f.batch "
        "WHERE f.id = $1 AND f.source = $2",
        figure_id,
        str(Source.OFFICIAL),
    )
    if not rows:
        return None, []
    history = await db.fetch(
        "SELECT h.value_cny, h.orders, h.parcels, h.replaced_at, old.label AS old_label, old.id AS old_batch, "
        "new.label AS new_label, new.id AS new_batch FROM trade_figure_history h "
        "LEFT JOIN trade_batch old ON old.id = h.batch LEFT JOIN trade_batch new ON new.id = h.replaced_by "
        "WHERE h.figure = $1 ORDER BY h.replaced_at DESC, h.id DESC",
        figure_id,
    )
    return _figure(rows[0]), history
