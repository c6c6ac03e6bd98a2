"""Overview: what Piccolo cannot declare (keys and indexes are declared on the tables)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.db import DB

ID = "2026-12-05T00:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "report kind check"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="overview", description=DESCRIPTION)

    async def raw() -> None:
        await DB.run_ddl(
            "ALTER TABLE overview_report ADD CONSTRAINT overview_report_kind CHECK (kind IN ('xlsx', 'html'))"
        )

    manager.add_raw(raw)

    return manager
