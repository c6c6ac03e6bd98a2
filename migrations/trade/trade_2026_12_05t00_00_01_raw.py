"""Trade: the CHECKs of its codes, generated from the enums, and the rules a figure keeps in the database
(keys and indexes are declared on the tables, see pilotzone.tenancy.keys)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.codes import check_sql
from pilotzone.db import DB
from pilotzone.trade.codes import BatchStatus, Direction, GapStatus, Mode, Source

ID = "2026-12-05T00:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "CHECKs of the trade codes; figures are never negative"

STATEMENTS = [
    *check_sql("trade_batch", "source", Source),
    *check_sql("trade_batch", "status", BatchStatus),
    *check_sql("trade_figure", "mode", Mode),
    *check_sql("trade_figure", "direction", Direction),
    *check_sql("trade_figure", "source", Source),
    'ALTER TABLE "trade_figure" ADD CONSTRAINT "trade_figure_not_negative" '
    "CHECK (value_cny >= 0 AND orders >= 0 AND parcels >= 0)",
    # monthly returns (trade.returns): the lines' codes, never negative
    *check_sql("trade_return_line", "mode", Mode),
    *check_sql("trade_return_line", "direction", Direction),
    'ALTER TABLE "trade_return_line" ADD CONSTRAINT "trade_return_line_not_negative" '
    "CHECK (value_cny >= 0 AND orders >= 0 AND parcels >= 0)",
    # reconciliation (trade/reconcile.py)
    *check_sql("trade_gap", "mode", Mode),
    *check_sql("trade_gap", "status", GapStatus),
    'ALTER TABLE "trade_setting" ADD CONSTRAINT "trade_setting_tolerance" '
    "CHECK (tolerance_percent >= 0 AND tolerance_percent <= 100)",
    'ALTER TABLE "trade_setting" ADD CONSTRAINT "trade_setting_return_day" CHECK (return_day BETWEEN 1 AND 28)',
    'ALTER TABLE "warehouse_operation" ADD CONSTRAINT "warehouse_operation_not_negative" '
    "CHECK (orders_fulfilled >= 0 AND returns_handled >= 0 AND area_used >= 0)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="trade", description=DESCRIPTION)

    async def trade_codes() -> None:
        for statement in STATEMENTS:
            await DB.run_ddl(statement)

    manager.add_raw(trade_codes)
    return manager
