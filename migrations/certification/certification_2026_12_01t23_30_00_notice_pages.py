from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.db import DB

ID = "2026-12-01T23:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "the public notice's keyset and search indexes"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="certification", description=DESCRIPTION)

    async def indexes() -> None:
        for sql in (
            # the public page: running notices from now on, in the order they end (keyset on notice_until, id)
            "CREATE INDEX application_tenant_notice_order ON application (tenant_id, notice_until, id)"
            " WHERE status = 'notice'",
            # its search by the start of the subject's name (text comparisons are leakproof: an index
            # condition under RLS, where a LIKE is a filter over every row)
            'CREATE INDEX application_tenant_notice_name ON application (tenant_id, (subject_label COLLATE "C"), id)'
            " INCLUDE (notice_until) WHERE status = 'notice'",
        ):
            await DB.run_ddl(sql)

    manager.add_raw(indexes)

    return manager
