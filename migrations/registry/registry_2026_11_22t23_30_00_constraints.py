from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.db import DB

ID = "2026-11-22T23:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "tenant-scoped unique constraints and indexes"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)

    async def constraints() -> None:
        """Uniqueness and lookups always include tenant_id (shared schema, Citus-ready)."""
        await DB.run_ddl("CREATE UNIQUE INDEX park_tenant_key ON park (tenant_id, key)")
        await DB.run_ddl("CREATE INDEX park_tenant_name ON park (tenant_id, name_zh, id)")

    manager.add_raw(constraints)

    return manager
