from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.codes import check_sql
from pilotzone.db import DB
from pilotzone.registry.codes import ParkKind

ID = "2026-12-05T07:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "parks: CHECK constraint on kind from registry.codes.ParkKind"

STATEMENTS = check_sql("park", "kind", ParkKind)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)

    async def park_kind_code() -> None:
        for statement in STATEMENTS:
            await DB.run_ddl(statement)

    manager.add_raw(park_kind_code)
    return manager
