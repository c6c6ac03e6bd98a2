from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.db import DB

ID = "2026-11-22T23:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "tenant-scoped unique constraints and indexes"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tenancy", description=DESCRIPTION)

    async def constraints() -> None:
        """Uniqueness and lookups always include tenant_id (shared schema, Citus-ready)."""
        await DB.run_ddl("CREATE INDEX tenant_snapshot_latest ON tenant_snapshot (tenant_id, taken_at DESC)")

    manager.add_raw(constraints)

    return manager
