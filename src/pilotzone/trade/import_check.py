"""Judging the staged rows of an import, set-based: the few distinct texts of the coded columns (credit
code, period, mode, direction, country) are judged once here, with the functions and messages of
:mod:`pilotzone.trade.figures`; amounts and counts by :data:`~pilotzone.trade.import_sql.JUDGE` in SQL.
Reasons are the same texts :func:`~pilotzone.trade.figures.check_rows` gives for the same cell."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import asyncpg
import msgspec

from pilotzone.registry.uscc import is_valid as valid_uscc
from pilotzone.trade.codes import COMBINATIONS, direction_of, mode_of
from pilotzone.trade.countries import country_of
from pilotzone.trade.figures import Problem, enterprise_ids, period_of
from pilotzone.trade.import_read import Header
from pilotzone.trade.import_sql import PROBLEMS, TYPED, WHY, WRONG
from pilotzone.trade.import_stage import RAW
from pilotzone.web.i18n import gettext
from pilotzone.web.labels import N_

FORMULA = ("=", "+", "-", "@")
# the texts of figures.check_rows / figures.from_cells (one message id each, translated once)
REASONS = {
    "formula": N_("A cell starting with =, +, - or @ is refused as a formula."),
    "uscc": N_("Not a valid unified social credit code (18 characters with a correct check character)."),
    "enterprise": N_("No enterprise with this credit code is registered in this pilot zone."),
    "period": N_("Enter the month as YYYY-MM with a month from 01 to 12."),
    "future": N_("The month is in the future."),
    "mode": N_("Unknown customs mode: use 9610, 9710, 9810, 1210 or 1239."),
    "direction": N_("Enter export or import (出口 or 进口)."),
    "combination": N_("This customs mode has no such direction."),
    "country": N_("Unknown country or region: use its two-letter ISO code or its name."),
    "number": N_("Enter the value in yuan as a number, e.g. 12345.67."),
    "negative": N_("The value cannot be negative."),
    "decimals": N_("The value has at most two decimals (fen)."),
    "too_large": N_("The value is too large."),
    "whole": N_("Enter a whole number."),
    "count_negative": N_("The number cannot be negative."),
    "count_too_large": N_("The number is too large."),
    "duplicate": N_("The same enterprise, month, mode, direction and country as row %(row)s."),
}
_COUNTS = ("orders", "parcels")


def _formula(text: str) -> bool:
    return text.startswith(FORMULA)


def _judge_uscc(text: str, enterprises: dict[str, int]) -> tuple[int | None, str | None]:
    if _formula(text):
        return None, "formula"
    code = text.upper()
    if not valid_uscc(code):
        return None, "uscc"
    found = enterprises.get(code)
    return (found, None) if found is not None else (None, "enterprise")


def _judge_period(text: str, this_month: date) -> tuple[date | None, str | None]:
    if _formula(text):
        return None, "formula"
    period = period_of(text)
    if period is None:
        return None, "period"
    return (None, "future") if period > this_month else (period, None)


def _judge_code(text: str, parse: Callable[[str], object | None], reason: str) -> tuple[str | None, str | None]:
    if _formula(text):
        return None, "formula"
    value = parse(text)
    return (str(value), None) if value is not None else (None, reason)


_CODED = ("uscc", "period", "mode", "direction", "country")
# the distinct staged texts of each coded column (hash aggregates, one scan each)
_DISTINCT_SQL = " UNION ALL ".join(
    f"SELECT {k} AS k, coalesce({column}, '') AS t FROM {RAW} GROUP BY 2"  # noqa: S608 - constant SQL
    for k, column in enumerate(_CODED)
)


class Judged(msgspec.Struct, frozen=True):
    """The maps the statements join (their arguments) and how many rows were typed."""

    args: tuple
    rows: int


async def judge(conn: asyncpg.Connection, today: date) -> Judged:
    """Write ``pz_import_rows``: every staged row (blank ones left out), typed, NULL where a cell is
    wrong. The coded columns' distinct texts are judged here, once each (after ``strip()``)."""
    texts: list[list[str]] = [[] for _ in _CODED]
    for record in await conn.fetch(_DISTINCT_SQL):
        texts[record["k"]].append(record["t"])
    usccs, periods, modes, directions, countries = texts
    enterprises = await enterprise_ids(t.strip() for t in usccs if valid_uscc(t.strip().upper()))
    this_month = today.replace(day=1)
    u = [(t, *_judge_uscc(t.strip(), enterprises)) for t in usccs]
    p = [(t, *_judge_period(t.strip(), this_month)) for t in periods]
    m = [(t, *_judge_code(t.strip(), mode_of, "mode")) for t in modes]
    d = [(t, *_judge_code(t.strip(), direction_of, "direction")) for t in directions]
    c = [(t, *_judge_code(t.strip(), country_of, "country")) for t in countries]
    combos = sorted(f"{mode}/{direction}" for mode, direction in COMBINATIONS)
    args = (*_columns(u), *_columns(p), *_columns(m), *_columns(d), *_columns(c), combos)
    # the staged table has no statistics: without this the planner loops over the maps row by row
    await conn.execute("SET LOCAL enable_nestloop = off")
    status = await conn.execute(TYPED, *args)
    await conn.execute("SET LOCAL enable_nestloop = on")
    return Judged(args, int(status.rsplit(" ", 1)[1]))


def _columns(rows: list[tuple]) -> list[list]:
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[], [], []]


async def problems(conn: asyncpg.Connection, header: Header, judged: Judged) -> tuple[list[Problem], int]:
    """The problems of the typed rows in file order (at most LISTED) and how many there are; a file
    without data rows is one problem. Reasons are worked out only when something is wrong."""
    if judged.rows == 0:
        return [Problem(0, "", gettext(N_("The file has no data rows.")))], 1
    if not await conn.fetchval(WRONG):
        return [], 0
    await conn.execute("SET LOCAL enable_nestloop = off")
    await conn.execute(WHY, *judged.args)
    await conn.execute("SET LOCAL enable_nestloop = on")
    rows = await conn.fetch(PROBLEMS)
    listed = [Problem(r["n"] + 1, header.names[r["col"]], _reason(r["col"], r["why"], r["arg"])) for r in rows]
    return listed, rows[0]["total"] if rows else 0


def _reason(column: str, why: str, earlier: int | None) -> str:
    if why == "duplicate" and earlier is not None:
        return gettext(REASONS[why], row=earlier + 1)
    if column in _COUNTS and why in ("negative", "too_large"):
        why = f"count_{why}"
    return gettext(REASONS[why])
