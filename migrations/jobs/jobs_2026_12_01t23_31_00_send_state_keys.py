from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.db import DB

ID = "2026-12-01T23:31:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "job runs: an index on the runs whose message is owed"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="jobs", description=DESCRIPTION)

    async def unsent_index() -> None:
        """The re-sender's scan: runs whose message is owed (few rows; tenant first, as every index)."""
        await DB.run_ddl(
            "CREATE INDEX job_run_unsent ON job_run (tenant_id, send_due) WHERE send_due IS NOT NULL"
        )

    manager.add_raw(unsent_index)
    return manager
