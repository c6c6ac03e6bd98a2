from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.db import DB

ID = "2026-12-01T08:01:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "overview: one figure per (tenant, month, metric, dim), one refresh row per tenant, one report per month and kind"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="overview", description=DESCRIPTION)

    async def constraints() -> None:
        await DB.run_ddl(
            "CREATE UNIQUE INDEX overview_month_key ON overview_month (tenant_id, month, metric, dim)"
        )
        await DB.run_ddl("CREATE INDEX overview_month_metric ON overview_month (metric, month)")
        await DB.run_ddl("CREATE UNIQUE INDEX overview_refresh_tenant ON overview_refresh (tenant_id)")
        await DB.run_ddl("CREATE UNIQUE INDEX overview_report_key ON overview_report (tenant_id, month, kind)")
        await DB.run_ddl(
            "ALTER TABLE overview_report ADD CONSTRAINT overview_report_kind CHECK (kind IN ('xlsx', 'html'))"
        )
        # the recount of days to a decision reads the status changes per application
        await DB.run_ddl(
            "CREATE INDEX IF NOT EXISTS application_change_status_at ON application_change "
            "(tenant_id, application) WHERE field_key = 'status'"
        )

    manager.add_raw(constraints)

    return manager
