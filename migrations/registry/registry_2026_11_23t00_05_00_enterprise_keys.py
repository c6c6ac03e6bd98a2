from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.db import DB

ID = "2026-11-23T00:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "enterprise: unique credit code per tenant, lookups by park and district"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)

    async def indexes() -> None:
        await DB.run_ddl("CREATE UNIQUE INDEX enterprise_tenant_uscc ON enterprise (tenant_id, uscc)")
        await DB.run_ddl("CREATE INDEX enterprise_tenant_park ON enterprise (tenant_id, park)")
        await DB.run_ddl("CREATE INDEX enterprise_tenant_district ON enterprise (tenant_id, district_code)")

    manager.add_raw(indexes)

    return manager
