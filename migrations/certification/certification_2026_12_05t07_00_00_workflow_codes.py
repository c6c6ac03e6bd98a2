from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.codes import check_sql
from pilotzone.db import DB
from pilotzone.workflow.states import CertificationState, Decision, ObjectionState

ID = "2026-12-05T07:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "CHECK constraints on the workflow codes, generated from the workflow enums"

# the statements, also for the squashed raw-SQL migration of this app
STATEMENTS = [
    *check_sql("application", "status", CertificationState),
    *check_sql("review", "decision", Decision),
    *check_sql("objection", "status", ObjectionState),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="certification", description=DESCRIPTION)

    async def constraints() -> None:
        for sql in STATEMENTS:
            await DB.run_ddl(sql)

    manager.add_raw(constraints)

    return manager
