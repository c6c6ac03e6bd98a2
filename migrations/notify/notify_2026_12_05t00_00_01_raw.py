"""Notify: the CHECKs of its codes, generated from the enums (keys and indexes are declared on the
tables, see pilotzone.tenancy.keys)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.codes import check_sql
from pilotzone.db import DB
from pilotzone.notify.codes import Channel, DeliveryStatus, Outcome
from pilotzone.notify.events import Event

ID = "2026-12-05T00:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "CHECKs of the notify codes (events, channels, delivery states, attempt outcomes)"

STATEMENTS = [
    *check_sql("notify_message", "event", Event),
    *check_sql("notify_delivery", "channel", Channel),
    *check_sql("notify_delivery", "status", DeliveryStatus),
    *check_sql("notify_attempt", "outcome", Outcome),
    *check_sql("notify_preference", "event", Event),
    *check_sql("notify_text", "event", Event),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="notify", description=DESCRIPTION)

    async def notify_codes() -> None:
        for statement in STATEMENTS:
            await DB.run_ddl(statement)

    manager.add_raw(notify_codes)
    return manager
