"""The statements that judge an import's staged rows (:mod:`pilotzone.trade.import_check` runs them).

The coded columns are joined to maps judged in Python (``$1``…``$15``: the staged text, its value and
its reason per distinct text), the mode/direction pairs that exist are ``$16`` (``mode/direction``);
amounts and counts are judged here, the rules of :func:`pilotzone.trade.figures.check_rows`
(thousands separators and a leading + allowed, an empty count is 0).

* ``TYPED`` (every import): the rows typed, NULL where a cell is wrong, into ``pz_import_rows``; a
  plain number is read as it is, only other texts are trimmed and cleaned (``CASE`` stops early).
* ``WRONG``: whether any row is wrong or repeats a key (one scan and one hash aggregate).
* ``WHY`` and ``PROBLEMS`` (only for a file with something wrong): the reason of each wrong cell into
  ``pz_import_why``, then the problems in file order, a repeated key naming the earlier row, capped at
  ``LISTED``.
"""

from __future__ import annotations

from pilotzone.trade.import_read import COLUMNS
from pilotzone.trade.import_stage import RAW

ROWS = "pz_import_rows"
LISTED = 1000  # problems listed; the rest are counted
MAX_COUNT = "1000000000000"  # figures.MAX_COUNT
_BIG = 14  # digits before the decimal point of NUMERIC(16,2)
_NUMBERS = ("value_cny", "orders", "parcels")
_DIGITS = "translate({t}, '0123456789', '')"


WHY_ROWS = "pz_import_why"
_MAPS = """
WITH u AS (SELECT * FROM unnest($1::text[], $2::int[], $3::text[]) AS x(t, v, why)),
     p AS (SELECT * FROM unnest($4::text[], $5::date[], $6::text[]) AS x(t, v, why)),
     m AS (SELECT * FROM unnest($7::text[], $8::text[], $9::text[]) AS x(t, v, why)),
     d AS (SELECT * FROM unnest($10::text[], $11::text[], $12::text[]) AS x(t, v, why)),
     c AS (SELECT * FROM unnest($13::text[], $14::text[], $15::text[]) AS x(t, v, why))"""
_JOINS = """
JOIN u ON u.t = r.uscc
JOIN p ON p.t = r.period
JOIN m ON m.t = r.mode
JOIN d ON d.t = r.direction
JOIN c ON c.t = r.country"""
_CODED = ("uscc", "period", "mode", "direction", "country")


def _clean(column: str) -> str:
    """A number's text as Decimal and int read it: spaces, thousands separators and a leading + go."""
    return f"ltrim(replace(btrim(coalesce({column}, '')), ',', ''), '+')"


def _trimmed(column: str) -> str:
    # coded columns keep their text (the maps hold every staged text, judged after Python's strip())
    return f"{_clean(column)} AS {column}" if column in _NUMBERS else f"coalesce({column}, '') AS {column}"


# the trimmed texts once (OFFSET 0 keeps the planner from repeating them); then whether each amount or
# count is well formed, by translate() and lengths rather than regular expressions (10× cheaper)
_VALUE_OK = (
    "({v} <> '' AND {digits} IN ('', '.') AND CASE strpos({v}, '.') WHEN 0 THEN length({v}) <= {big} "
    "ELSE strpos({v}, '.') BETWEEN 2 AND {big} + 1 AND length({v}) - strpos({v}, '.') BETWEEN 1 AND 2 END)"
)
_COUNT_OK = (
    "({c} = '' OR CASE WHEN length({c}) <= 13 AND " + _DIGITS.format(t="{c}") + " = '' "
    "THEN {c}::bigint <= " + MAX_COUNT + " ELSE false END)"
)


def _value_ok(text: str) -> str:
    return _VALUE_OK.format(v=text, digits=_DIGITS.format(t=text), big=_BIG)
_DECIMAL = r"'^[0-9]+(\.[0-9]+)?$'"
_WHOLE = "'^[0-9]+$'"


def _why(column: str, number: str, pattern: str, extra: str = "") -> str:
    """The reason key of a malformed amount or count (``{column}_ok`` is false): negative, a formula,
    (more than two decimals), too large for its column, else not a number."""
    return (
        f"CASE WHEN {column}_ok THEN NULL "
        f"WHEN left(r.{column}, 1) = '-' AND substr(r.{column}, 2) ~ {pattern} THEN 'negative' "
        f"WHEN left(r.{column}, 1) IN ('=', '+', '-', '@') THEN 'formula' "
        f"{extra}WHEN r.{column} ~ {pattern} THEN 'too_large' ELSE '{number}' END"
    )


_VALUE_WHY = _why("value_cny", "number", _DECIMAL, r"WHEN r.value_cny ~ '^[0-9]+\.[0-9]{3,}$' THEN 'decimals' ")
_NOT_BLANK = f"coalesce({', '.join(f'r.{c}' for c in COLUMNS)}) IS NOT NULL"
_COMBINATION = "(m.v || '/' || d.v) = ANY($16::text[])"


def _count(column: str) -> str:
    raw, clean = f"r.{column}", _clean(f"r.{column}")
    return (
        f"CASE WHEN {_COUNT_OK.format(c=raw)} THEN coalesce(nullif({raw}, ''), '0')::bigint "
        f"WHEN {clean} = '' THEN 0 WHEN {_COUNT_OK.format(c=clean)} THEN {clean}::bigint END"
    )


TYPED = f"""
CREATE TEMP TABLE {ROWS} ON COMMIT DROP AS
{_MAPS}
SELECT r.n, u.v AS enterprise, p.v AS period, m.v AS mode,
       CASE WHEN {_COMBINATION} THEN d.v END AS direction, c.v AS country,
       CASE WHEN {_value_ok("r.value_cny")} THEN r.value_cny::numeric(16,2)
            WHEN {_value_ok(_clean("r.value_cny"))} THEN {_clean("r.value_cny")}::numeric(16,2) END AS value_cny,
       {_count("orders")} AS orders, {_count("parcels")} AS parcels
FROM (SELECT n, {", ".join(f"coalesce({c}, '') AS {c}" for c in _CODED)}, value_cny, orders, parcels
      FROM {RAW} r WHERE {_NOT_BLANK} OFFSET 0) r
{_JOINS}
"""  # noqa: S608 - constant SQL

_KEY = "enterprise, period, mode, direction, country"
WRONG = f"""
SELECT EXISTS (SELECT 1 FROM {ROWS} WHERE enterprise IS NULL OR period IS NULL OR mode IS NULL OR direction IS NULL
                 OR country IS NULL OR value_cny IS NULL OR orders IS NULL OR parcels IS NULL)
    OR EXISTS (SELECT 1 FROM {ROWS} GROUP BY {_KEY} HAVING count(*) > 1)
"""  # noqa: S608 - constant SQL

WHY = f"""
CREATE TEMP TABLE {WHY_ROWS} ON COMMIT DROP AS
{_MAPS}
SELECT r.n,
       u.v AS enterprise, u.why AS uscc_why,
       p.v AS period, p.why AS period_why,
       m.v AS mode, m.why AS mode_why,
       d.v AS direction,
       coalesce(d.why, CASE WHEN m.v IS NOT NULL AND NOT {_COMBINATION} THEN 'combination' END) AS direction_why,
       c.v AS country, c.why AS country_why,
       {_VALUE_WHY} AS value_cny_why, {_why("orders", "whole", _WHOLE)} AS orders_why,
       {_why("parcels", "whole", _WHOLE)} AS parcels_why
FROM (
  SELECT t.*, {_value_ok("value_cny")} AS value_cny_ok, {_COUNT_OK.format(c="orders")} AS orders_ok,
         {_COUNT_OK.format(c="parcels")} AS parcels_ok
  FROM (SELECT n, {", ".join(_trimmed(c) for c in COLUMNS)} FROM {RAW} r WHERE {_NOT_BLANK} OFFSET 0) t
  OFFSET 0
) r
{_JOINS}
"""  # noqa: S608 - constant SQL

PROBLEMS = f"""
WITH cells AS (
  SELECT n, o, col, why, NULL::int AS arg
  FROM {WHY_ROWS},
  LATERAL (VALUES (0, 'uscc', uscc_why), (1, 'period', period_why), (2, 'mode', mode_why),
                  (3, 'direction', direction_why), (4, 'country', country_why),
                  (5, 'value_cny', value_cny_why), (6, 'orders', orders_why), (7, 'parcels', parcels_why))
          AS x(o, col, why)
  WHERE why IS NOT NULL
), dup AS (
  SELECT n, 0 AS o, 'uscc' AS col, 'duplicate' AS why, first AS arg
  FROM (SELECT n, min(n) OVER (PARTITION BY {_KEY}) AS first FROM {WHY_ROWS}
        WHERE enterprise IS NOT NULL AND period IS NOT NULL AND mode IS NOT NULL
          AND direction IS NOT NULL AND country IS NOT NULL) k
  WHERE n <> first
), every AS (SELECT * FROM cells UNION ALL SELECT * FROM dup)
SELECT n, col, why, arg, count(*) OVER () AS total FROM every ORDER BY n, o LIMIT {LISTED}
"""  # noqa: S608 - constant SQL
