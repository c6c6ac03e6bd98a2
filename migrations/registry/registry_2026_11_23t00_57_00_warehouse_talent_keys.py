from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.db import DB

ID = "2026-11-23T00:57:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "overseas warehouses and talents: tenant-scoped keys, area and ID checks, lookups"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)

    async def constraints() -> None:
        await DB.run_ddl(
            "CREATE INDEX overseas_warehouse_tenant_enterprise ON overseas_warehouse (tenant_id, enterprise)"
        )
        await DB.run_ddl(
            "CREATE INDEX overseas_warehouse_tenant_status ON overseas_warehouse (tenant_id, status, id)"
        )
        await DB.run_ddl(
            "ALTER TABLE overseas_warehouse ADD CONSTRAINT overseas_warehouse_area_positive CHECK (floor_area > 0)"
        )
        await DB.run_ddl("CREATE UNIQUE INDEX talent_tenant_id_number ON talent (tenant_id, id_number)")
        await DB.run_ddl("CREATE INDEX talent_tenant_employer ON talent (tenant_id, employer)")
        await DB.run_ddl("CREATE INDEX talent_tenant_status ON talent (tenant_id, status, id)")
        await DB.run_ddl(
            "ALTER TABLE talent ADD CONSTRAINT talent_id_number_length CHECK (length(id_number) = 18)"
        )

    manager.add_raw(constraints)

    return manager
