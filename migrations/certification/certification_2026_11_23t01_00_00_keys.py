from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.db import DB

ID = "2026-11-23T01:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "scheme key unique per tenant"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="certification", description=DESCRIPTION)

    async def indexes() -> None:
        await DB.run_ddl("CREATE UNIQUE INDEX scheme_tenant_key ON scheme (tenant_id, key)")

    manager.add_raw(indexes)

    return manager
