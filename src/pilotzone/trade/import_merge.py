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
    ``(inserted, replaced)``. One hash join finds the keys that exist (the changed ones are updated,
    returning their old values for the history), an anti-join the new ones."""
    return f"""
WITH incoming AS MATERIALIZED (
  SELECT enterprise, period, mode, direction, country, value_cny, orders, parcels FROM {rows_table}
), existing AS MATERIALIZED (
  SELECT f.id, f.value_cny AS old_value, f.orders AS old_orders, f.parcels AS old_parcels, f.batch AS old_batch,
         i.value_cny, i.orders, i.parcels
  FROM trade_figure f JOIN incoming i ON {_SAME}
  WHERE f.tenant_id = $1 AND f.source = $2
), changed AS (
  UPDATE trade_figure f
  SET value_cny = e.value_cny, orders = e.orders, parcels = e.parcels, batch = $3, updated_at = now()
  FROM existing e
  WHERE f.tenant_id = $1 AND f.id = e.id
    AND (e.old_value, e.old_orders, e.old_parcels) IS DISTINCT FROM (e.value_cny, e.orders, e.parcels)
  RETURNING f.id, e.old_value, e.old_orders, e.old_parcels, e.old_batch
), history AS (
  INSERT INTO trade_figure_history (tenant_id, figure, value_cny, orders, parcels, batch, replaced_by, replaced_at)
  SELECT $1, id, old_value, old_orders, old_parcels, old_batch, $3, now() FROM changed
), added AS (
  INSERT INTO trade_figure (tenant_id, enterprise, period, mode, direction, country, source,
                            value_cny, orders, parcels, batch, updated_at)
  SELECT $1, i.enterprise, i.period, i.mode, i.direction, i.country, $2, i.value_cny, i.orders, i.parcels, $3, now()
  FROM incoming i
  WHERE NOT EXISTS (SELECT 1 FROM trade_figure f WHERE f.tenant_id = $1 AND f.source = $2 AND {_SAME})
  ORDER BY i.enterprise, i.period, i.mode, i.direction, i.country  -- in key order: the indexes grow at one end
  RETURNING 1
)
SELECT (SELECT count(*) FROM added) AS inserted, (SELECT count(*) FROM changed) AS replaced
"""  # noqa: S608 - the table name is ours


async def merge(
    conn: asyncpg.Connection, rows_table: str, tenant_id: int, source: str, batch: int
) -> tuple[int, int]:
    """Merge the typed rows of ``rows_table`` (in the caller's transaction); ``(inserted, replaced)``.
    Imports of one tenant and source run one at a time (a transaction-level advisory lock)."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('trade_figure'), $1)", tenant_id)
    row = await conn.fetchrow(merge_sql(rows_table), tenant_id, source, batch)
    assert row is not None
    return row["inserted"], row["replaced"]
