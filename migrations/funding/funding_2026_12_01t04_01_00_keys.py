from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.db import DB

ID = "2026-12-01T04:01:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "program key unique per tenant, versions unique per program, round keys, round checks"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="funding", description=DESCRIPTION)

    async def constraints() -> None:
        await DB.run_ddl("CREATE UNIQUE INDEX program_tenant_key ON program (tenant_id, key)")
        await DB.run_ddl(
            "CREATE UNIQUE INDEX program_version_tenant_program_version"
            " ON program_version (tenant_id, program, version)"
        )
        await DB.run_ddl("CREATE UNIQUE INDEX round_tenant_program_key ON round (tenant_id, program, key)")
        await DB.run_ddl(
            "ALTER TABLE round ADD CONSTRAINT round_status_check"
            " CHECK (status IN ('open', 'closed', 'calculating', 'calculated', 'approved'))"
        )
        await DB.run_ddl(
            "ALTER TABLE round ADD CONSTRAINT round_rule_check"
            " CHECK (rule IN ('pro_rata', 'ranked', 'first_come'))"
        )
        await DB.run_ddl("ALTER TABLE round ADD CONSTRAINT round_budget_check CHECK (budget >= 0)")
        await DB.run_ddl("ALTER TABLE round ADD CONSTRAINT round_dates_check CHECK (closes_at >= opens_at)")

    manager.add_raw(constraints)

    return manager
