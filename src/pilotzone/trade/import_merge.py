"""The set-based merge of judged rows into ``trade_figure``: one statement per import.

New keys are inserted; a key whose value, orders or parcels differ is updated and its old values go
to ``trade_figure_history``; an identical row writes nothing (not even ``updated_at`` or ``batch``),
so importing the same file twice changes nothing."""

from __future__ import annotations

import asyncpg

KEY = ("enterprise", "period", "mode", "direction", "country", "source")
_SAME = "f.enterprise = i.enterprise AND f.period = i.period AND f.mode = i.mode AND f.direction = i.direction AND f.country = i.country"


def merge_sql(rows_table: str) -> str:
    """The merge of ``rows_table`` (columns enterprise, period, mode, direction, country, value_cny,
    orders, parcels; typed) as source ``$2`` in batch ``$3`` of tenant ``$1``; answers
    ``(inserted, replaced)``."""
    return f"""
WITH incoming AS (
  SELECT enterprise, period, mode, direction, country, value_cny, orders, parcels FROM {rows_table}
), old AS (
  SELECT f.id, f.value_cny, f.orders, f.parcels, f.batch
  FROM trade_figure f JOIN incoming i ON {_SAME}
  WHERE f.tenant_id = $1 AND f.source = $2
    AND (f.value_cny, f.orders, f.parcels) IS DISTINCT FROM (i.value_cny, i.orders, i.parcels)
), history AS (
  INSERT INTO trade_figure_history (tenant_id, figure, value_cny, orders, parcels, batch, replaced_by, replaced_at)
  SELECT $1, id, value_cny, orders, parcels, batch, $3, now() FROM old
), written AS (
  INSERT INTO trade_figure AS f (tenant_id, enterprise, period, mode, direction, country, source,
                                 value_cny, orders, parcels, batch, updated_at)
  SELECT $1, enterprise, period, mode, direction, country, $2, value_cny, orders, parcels, $3, now()
  FROM incoming
  ON CONFLICT (tenant_id, {", ".join(KEY)}) DO UPDATE
    SET value_cny = EXCLUDED.value_cny, orders = EXCLUDED.orders, parcels = EXCLUDED.parcels,
        batch = EXCLUDED.batch, updated_at = EXCLUDED.updated_at
    WHERE (f.value_cny, f.orders, f.parcels) IS DISTINCT FROM
          (EXCLUDED.value_cny, EXCLUDED.orders, EXCLUDED.parcels)
  RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS replaced
FROM written
"""


async def merge(
    conn: asyncpg.Connection, rows_table: str, tenant_id: int, source: str, batch: int
) -> tuple[int, int]:
    """Merge the typed rows of ``rows_table`` (in the caller's transaction); ``(inserted, replaced)``.
    Imports of one tenant and source run one at a time (a transaction-level advisory lock)."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('trade_figure'), $1)", tenant_id)
    row = await conn.fetchrow(merge_sql(rows_table), tenant_id, source, batch)
    assert row is not None
    return row["inserted"], row["replaced"]
