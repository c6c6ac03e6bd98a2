from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.codes import check_sql
from pilotzone.db import DB
from pilotzone.jobs.codes import JobKind, JobStatus

ID = "2026-12-05T00:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "job runs: CHECK constraints on kind and status from jobs.codes"

STATEMENTS = [*check_sql("job_run", "kind", JobKind), *check_sql("job_run", "status", JobStatus)]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="jobs", description=DESCRIPTION)

    async def job_codes() -> None:
        for statement in STATEMENTS:
            await DB.run_ddl(statement)

    manager.add_raw(job_codes)
    return manager
