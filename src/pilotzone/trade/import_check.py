"""Checking the staged rows of an import, set-based: the few distinct texts of the coded columns
(USCC, period, mode, direction, country) are judged once in Python (the same functions as
:mod:`pilotzone.trade.figures`), the amounts and counts by patterns in SQL; one statement then
writes the typed rows (``pz_import_rows``) with a reason per cell that is wrong, and the problems
are read from it in file order (capped)."""

from __future__ import annotations

import re
from datetime import date

import asyncpg

from pilotzone.registry.uscc import is_valid as valid_uscc
from pilotzone.trade.codes import COMBINATIONS, direction_of, mode_of
from pilotzone.trade.countries import country_of
from pilotzone.trade.import_read import COLUMNS, Header, Problem
from pilotzone.trade.import_stage import RAW
from pilotzone.web.i18n import gettext
from pilotzone.web.labels import N_

ROWS = "pz_import_rows"
LISTED = 1000  # problems listed; the rest are counted
FORMULA = ("=", "+", "-", "@")
PERIOD = re.compile(r"(\d{4})-(\d{2})")
REASONS = {
    "missing": N_("the cell is empty"),
    "formula": N_("a formula is not accepted (the cell starts with =, +, - or @)"),
    "uscc": N_("not a valid unified social credit code (check character)"),
    "enterprise": N_("no active enterprise with this credit code in this pilot zone"),
    "period_format": N_("the period must be written YYYY-MM"),
    "month": N_("the month must be 01 to 12"),
    "future": N_("the period is in the future"),
    "mode": N_("unknown customs mode (9610, 9710, 9810, 1210 or 1239)"),
    "direction": N_("the direction must be export or import (出口 or 进口)"),
    "combination": N_("this customs mode has no such direction"),
    "country": N_("unknown country or region (a two-letter ISO code or its name)"),
    "negative": N_("the value must not be negative"),
    "decimals": N_("the amount has more than 2 decimals"),
    "number": N_("not a number"),
    "too_large": N_("the number is too large"),
    "whole": N_("not a whole number"),
    "duplicate": N_("the same enterprise, period, mode, direction and country as row %(row)s"),
}
_BIG = 14  # digits before the decimal point of NUMERIC(16,2)


def _formula(text: str) -> bool:
    return text.startswith(FORMULA)


def _judge_uscc(text: str, enterprises: dict[str, int]) -> tuple[int | None, str | None]:
    if not text:
        return None, "missing"
    if _formula(text):
        return None, "formula"
    code = text.upper()
    if not valid_uscc(code):
        return None, "uscc"
    found = enterprises.get(code)
    return (found, None) if found is not None else (None, "enterprise")


def _judge_period(text: str, today: date) -> tuple[date | None, str | None]:
    if not text:
        return None, "missing"
    if _formula(text):
        return None, "formula"
    match = PERIOD.fullmatch(text)
    if match is None:
        return None, "period_format"
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12:
        return None, "month"
    if year < 1900:
        return None, "period_format"
    if (year, month) > (today.year, today.month):
        return None, "future"
    return date(year, month, 1), None


def _judge_code(text: str, parse, reason: str) -> tuple[str | None, str | None]:  # type: ignore[no-untyped-def]
    if not text:
        return None, "missing"
    if _formula(text):
        return None, "formula"
    value = parse(text)
    return (str(value), None) if value is not None else (None, reason)


_CODED = ("uscc", "period", "mode", "direction", "country")
_DISTINCT_SQL = "SELECT " + ", ".join(
    f"coalesce(array_agg(DISTINCT btrim(coalesce({column}, ''))), '{{}}') AS {column}" for column in _CODED
) + f" FROM {RAW}"


async def judge(conn: asyncpg.Connection, tenant_id: int, today: date) -> None:
    """Write ``pz_import_rows``: every staged row (blank ones left out), typed where it can be, with
    the reason of each wrong cell."""
    distinct = await conn.fetchrow(_DISTINCT_SQL)
    assert distinct is not None
    usccs = distinct["uscc"]
    wanted = sorted({t.upper() for t in usccs if t and valid_uscc(t.upper())})
    enterprises = {
        r["uscc"]: r["id"]
        for r in await conn.fetch(
            "SELECT uscc, id FROM enterprise WHERE tenant_id = $1 AND status = 'active' AND uscc = ANY($2)",
            tenant_id,
            wanted,
        )
    }
    u = [(t, *_judge_uscc(t, enterprises)) for t in usccs]
    p = [(t, *_judge_period(t, today)) for t in distinct["period"]]
    m = [(t, *_judge_code(t, mode_of, "mode")) for t in distinct["mode"]]
    d = [(t, *_judge_code(t, direction_of, "direction")) for t in distinct["direction"]]
    c = [(t, *_judge_code(t, country_of, "country")) for t in distinct["country"]]
    combos = sorted((str(mode), str(direction)) for mode, direction in COMBINATIONS)
    # the staged table has no statistics: without this the planner loops over the maps row by row
    await conn.execute("SET LOCAL enable_nestloop = off")
    await conn.execute(
        _JUDGE_SQL,
        *_columns(u),
        *_columns(p),
        *_columns(m),
        *_columns(d),
        *_columns(c),
        [a for a, _ in combos],
        [b for _, b in combos],
    )
    await conn.execute("SET LOCAL enable_nestloop = on")


def _columns(rows: list[tuple]) -> list[list]:
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[], [], []]


_DIGITS = "translate({t}, '0123456789', '')"
# the trimmed texts once (OFFSET 0 keeps the planner from repeating them), then whether each amount or
# count is well formed, by translate() and lengths rather than regular expressions (10× cheaper)
_TRIMMED = ", ".join(f"btrim(coalesce({c}, '')) AS {c}" for c in COLUMNS)
_VALUE_OK = (
    "(value_cny <> '' AND {digits} IN ('', '.') AND CASE strpos(value_cny, '.') WHEN 0 THEN length(value_cny) <= {big} "
    "ELSE strpos(value_cny, '.') BETWEEN 2 AND {big} + 1 AND length(value_cny) - strpos(value_cny, '.') BETWEEN 1 AND 2 END)"
).format(digits=_DIGITS.format(t="value_cny"), big=_BIG)
_COUNT_OK = "({c} <> '' AND length({c}) <= 18 AND " + _DIGITS.format(t="{c}") + " = '')"


def _why(column: str, otherwise: str, extra: str, well_formed: str) -> str:
    """The reason of a malformed amount or count (``{column}_ok`` is false)."""
    return (
        f"CASE WHEN {column}_ok THEN NULL WHEN r.{column} = '' THEN 'missing' "
        f"WHEN r.{column} ~ '^-[0-9]+(\\.[0-9]+)?$' THEN 'negative' WHEN left(r.{column}, 1) IN ('=', '+', '-', '@') THEN 'formula' "
        f"{extra}WHEN r.{column} ~ '{well_formed}' THEN 'too_large' ELSE '{otherwise}' END"
    )


_BLANK = " AND ".join(f"{c} = ''" for c in COLUMNS)
_VALUE_WHY = _why(
    "value_cny", "number", "WHEN r.value_cny ~ '^[0-9]+\\.[0-9]{3,}$' THEN 'decimals' ", "^[0-9]+(\\.[0-9]{1,2})?$"
)
_JUDGE_SQL = f"""
CREATE TEMP TABLE {ROWS} ON COMMIT DROP AS
WITH u AS (SELECT * FROM unnest($1::text[], $2::int[], $3::text[]) AS x(t, v, why)),
     p AS (SELECT * FROM unnest($4::text[], $5::date[], $6::text[]) AS x(t, v, why)),
     m AS (SELECT * FROM unnest($7::text[], $8::text[], $9::text[]) AS x(t, v, why)),
     d AS (SELECT * FROM unnest($10::text[], $11::text[], $12::text[]) AS x(t, v, why)),
     c AS (SELECT * FROM unnest($13::text[], $14::text[], $15::text[]) AS x(t, v, why)),
     combo AS (SELECT * FROM unnest($16::text[], $17::text[]) AS x(mode, direction))
SELECT r.n,
       u.v AS enterprise, u.why AS uscc_why,
       p.v AS period, p.why AS period_why,
       m.v AS mode, m.why AS mode_why,
       d.v AS direction,
       coalesce(d.why, CASE WHEN m.v IS NOT NULL AND NOT EXISTS
           (SELECT 1 FROM combo WHERE combo.mode = m.v AND combo.direction = d.v) THEN 'combination' END)
           AS direction_why,
       c.v AS country, c.why AS country_why,
       CASE WHEN value_cny_ok THEN r.value_cny::numeric(16,2) END AS value_cny,
       {_VALUE_WHY} AS value_cny_why,
       CASE WHEN orders_ok THEN r.orders::bigint END AS orders, {_why("orders", "whole", "", "^[0-9]+$")} AS orders_why,
       CASE WHEN parcels_ok THEN r.parcels::bigint END AS parcels, {_why("parcels", "whole", "", "^[0-9]+$")} AS parcels_why
FROM (
  SELECT t.*, {_VALUE_OK} AS value_cny_ok, {_COUNT_OK.format(c="orders")} AS orders_ok,
         {_COUNT_OK.format(c="parcels")} AS parcels_ok
  FROM (SELECT n, {_TRIMMED} FROM {RAW} OFFSET 0) t
  WHERE NOT ({_BLANK})
  OFFSET 0
) r
JOIN u ON u.t = r.uscc
JOIN p ON p.t = r.period
JOIN m ON m.t = r.mode
JOIN d ON d.t = r.direction
JOIN c ON c.t = r.country
"""

_KEY = "enterprise, period, mode, direction, country"
_PROBLEMS_SQL = f"""
WITH cells AS (
  SELECT n, o, col, why, NULL::int AS arg
  FROM {ROWS},
  LATERAL (VALUES (0, 'uscc', uscc_why), (1, 'period', period_why), (2, 'mode', mode_why),
                  (3, 'direction', direction_why), (4, 'country', country_why),
                  (5, 'value_cny', value_cny_why), (6, 'orders', orders_why), (7, 'parcels', parcels_why))
          AS x(o, col, why)
  WHERE why IS NOT NULL
), dup AS (
  SELECT n, 0 AS o, 'uscc' AS col, 'duplicate' AS why, first AS arg
  FROM (SELECT n, min(n) OVER (PARTITION BY {_KEY}) AS first FROM {ROWS}
        WHERE enterprise IS NOT NULL AND period IS NOT NULL AND mode IS NOT NULL
          AND direction IS NOT NULL AND country IS NOT NULL) k
  WHERE n <> first
), every AS (SELECT * FROM cells UNION ALL SELECT * FROM dup)
SELECT n, col, why, arg, count(*) OVER () AS total FROM every ORDER BY n, o, why LIMIT {LISTED}
"""


async def problems(conn: asyncpg.Connection, header: Header) -> tuple[list[Problem], int]:
    """The problems of the judged rows in file order (at most LISTED) and how many there are; a file
    without data rows is one problem."""
    rows = await conn.fetch(_PROBLEMS_SQL)
    if not rows:
        if not await conn.fetchval(f"SELECT EXISTS (SELECT 1 FROM {ROWS})"):
            return [Problem(0, "", gettext(N_("the file has no data rows")))], 1
        return [], 0
    listed = [
        Problem(
            r["n"] + 1,
            header.names[r["col"]],
            gettext(REASONS[r["why"]], row=r["arg"] + 1) if r["arg"] is not None else gettext(REASONS[r["why"]]),
        )
        for r in rows
    ]
    return listed, rows[0]["total"]

