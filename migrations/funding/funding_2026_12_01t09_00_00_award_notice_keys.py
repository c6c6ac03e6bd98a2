from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.db import DB

ID = "2026-12-01T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "award notice: ledger entry status check, award objections by tenant and entry"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="funding", description=DESCRIPTION)

    async def constraints() -> None:
        for sql in (
            "ALTER TABLE ledger_entry ADD CONSTRAINT ledger_entry_status_check CHECK (status IN"
            " ('notice', 'objected', 'awarded', 'revoked'))",
            "CREATE INDEX ledger_entry_tenant_notice ON ledger_entry (tenant_id, status, notice_until)",
            "CREATE INDEX award_objection_tenant_entry ON award_objection (tenant_id, entry, ip, created_at)",
            "ALTER TABLE award_objection ADD CONSTRAINT award_objection_status_check CHECK (status IN"
            " ('open', 'upheld', 'dismissed'))",
        ):
            await DB.run_ddl(sql)

    manager.add_raw(constraints)

    return manager
