from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.db import DB

ID = "2026-12-01T01:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "registrations: credit code unique among non-rejected rows, queues by status, negative list lookups"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)

    async def constraints() -> None:
        # a rejected registration keeps its row (and reason) without blocking a corrected one
        await DB.run_ddl("DROP INDEX enterprise_tenant_uscc")
        await DB.run_ddl(
            "CREATE UNIQUE INDEX enterprise_tenant_uscc ON enterprise (tenant_id, uscc) WHERE status <> 'rejected'"
        )
        await DB.run_ddl("CREATE INDEX enterprise_tenant_status ON enterprise (tenant_id, status, id)")
        await DB.run_ddl(
            "ALTER TABLE enterprise ADD CONSTRAINT enterprise_status_known "
            "CHECK (status IN ('active', 'pending', 'rejected'))"
        )
        await DB.run_ddl(
            "ALTER TABLE park ADD CONSTRAINT park_status_known "
            "CHECK (status IN ('active', 'retired', 'pending', 'rejected'))"
        )
        await DB.run_ddl("ALTER TABLE park ADD CONSTRAINT park_area_positive CHECK (area IS NULL OR area > 0)")
        await DB.run_ddl("CREATE INDEX park_tenant_registration_ip ON park (tenant_id, registration_ip, created_at)")
        await DB.run_ddl(
            "CREATE INDEX enterprise_tenant_registration_ip ON enterprise (tenant_id, registration_ip, created_at)"
        )
        await DB.run_ddl(
            "CREATE INDEX negative_list_entry_tenant_enterprise ON negative_list_entry (tenant_id, enterprise)"
        )
        await DB.run_ddl(
            "ALTER TABLE negative_list_entry ADD CONSTRAINT negative_list_entry_period "
            "CHECK (valid_until IS NULL OR valid_until >= valid_from)"
        )

    manager.add_raw(constraints)

    return manager
