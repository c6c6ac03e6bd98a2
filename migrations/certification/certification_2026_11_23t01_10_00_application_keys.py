from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.db import DB

ID = "2026-11-23T01:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "applications: scoped lists and change history by tenant first"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="certification", description=DESCRIPTION)

    async def indexes() -> None:
        await DB.run_ddl(
            "CREATE INDEX application_tenant_enterprise ON application (tenant_id, applicant_enterprise, id)"
        )
        await DB.run_ddl(
            "CREATE INDEX application_tenant_park ON application (tenant_id, applicant_park, id)"
        )
        await DB.run_ddl(
            "CREATE INDEX application_tenant_district ON application (tenant_id, district_code, id)"
        )
        await DB.run_ddl("CREATE INDEX application_tenant_scheme ON application (tenant_id, scheme, status)")
        await DB.run_ddl(
            "CREATE INDEX application_change_tenant_application "
            "ON application_change (tenant_id, application, id)"
        )

    manager.add_raw(indexes)

    return manager
