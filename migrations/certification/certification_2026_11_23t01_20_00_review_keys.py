from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.db import DB

ID = "2026-11-23T01:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "reviews: queue by stage and history by application, tenant first"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="certification", description=DESCRIPTION)

    async def indexes() -> None:
        await DB.run_ddl(
            "CREATE INDEX application_tenant_status_stage ON application (tenant_id, status, stage, id)"
        )
        await DB.run_ddl("CREATE INDEX review_tenant_application ON review (tenant_id, application, id)")
        await DB.run_ddl("CREATE INDEX review_tenant_reviewer ON review (tenant_id, reviewer_id, decision)")

    manager.add_raw(indexes)

    return manager
