"""The statements that judge an import's staged rows (:mod:`pilotzone.trade.import_check` runs them).

``JUDGE``: every staged row (blank ones left out) typed where it can be, with a reason key per wrong
cell, into the TEMP table ``pz_import_rows``. The coded columns are joined to maps judged in Python
(``$1``…``$15``: text, value, reason per distinct text), the mode/direction pairs that exist are
``$16``/``$17``; amounts and counts are judged here, the same rules as
:func:`pilotzone.trade.figures.check_rows` (thousands separators allowed, an empty count is 0).
``PROBLEMS``: the reasons in file order, a repeated key naming the earlier row, capped at ``LISTED``.
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


def _trimmed(column: str) -> str:
    text = f"btrim(coalesce({column}, ''))"
    # numbers: thousands separators and a leading + go (as Decimal and int read them)
    return f"ltrim(replace({text}, ',', ''), '+') AS {column}" if column in _NUMBERS else f"{text} AS {column}"


# the trimmed texts once (OFFSET 0 keeps the planner from repeating them); then whether each amount or
# count is well formed, by translate() and lengths rather than regular expressions (10× cheaper)
_VALUE_OK = (
    "(value_cny <> '' AND {digits} IN ('', '.') AND CASE strpos(value_cny, '.') WHEN 0 THEN length(value_cny) <= {big} "
    "ELSE strpos(value_cny, '.') BETWEEN 2 AND {big} + 1 AND length(value_cny) - strpos(value_cny, '.') BETWEEN 1 AND 2 END)"
).format(digits=_DIGITS.format(t="value_cny"), big=_BIG)
_COUNT_OK = (
    "({c} = '' OR CASE WHEN length({c}) <= 13 AND " + _DIGITS.format(t="{c}") + " = '' "
    "THEN {c}::bigint <= " + MAX_COUNT + " ELSE false END)"
)
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
_BLANK = " AND ".join(f"{c} = ''" for c in COLUMNS)
_TYPED_VALUE = "CASE WHEN value_cny_ok THEN r.value_cny::numeric(16,2) END"

JUDGE = f"""
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
       {_TYPED_VALUE} AS value_cny, {_VALUE_WHY} AS value_cny_why,
       CASE WHEN orders_ok THEN coalesce(nullif(r.orders, ''), '0')::bigint END AS orders,
       {_why("orders", "whole", _WHOLE)} AS orders_why,
       CASE WHEN parcels_ok THEN coalesce(nullif(r.parcels, ''), '0')::bigint END AS parcels,
       {_why("parcels", "whole", _WHOLE)} AS parcels_why
FROM (
  SELECT t.*, {_VALUE_OK} AS value_cny_ok, {_COUNT_OK.format(c="orders")} AS orders_ok,
         {_COUNT_OK.format(c="parcels")} AS parcels_ok
  FROM (SELECT n, {", ".join(_trimmed(c) for c in COLUMNS)} FROM {RAW} OFFSET 0) t
  WHERE NOT ({_BLANK})
  OFFSET 0
) r
JOIN u ON u.t = r.uscc
JOIN p ON p.t = r.period
JOIN m ON m.t = r.mode
JOIN d ON d.t = r.direction
JOIN c ON c.t = r.country
"""  # noqa: S608 - constant SQL

_KEY = "enterprise, period, mode, direction, country"
PROBLEMS = f"""
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
SELECT n, col, why, arg, count(*) OVER () AS total FROM every ORDER BY n, o LIMIT {LISTED}
"""  # noqa: S608 - constant SQL
