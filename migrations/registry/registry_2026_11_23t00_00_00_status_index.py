from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.db import DB

ID = "2026-11-23T00:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "park lists: count by (tenant_id, status) and page by (tenant_id, id) from indexes"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)

    async def indexes() -> None:
        await DB.run_ddl("CREATE INDEX park_tenant_status ON park (tenant_id, status)")
        await DB.run_ddl("CREATE INDEX park_tenant_id_id ON park (tenant_id, id)")

    manager.add_raw(indexes)

    return manager
