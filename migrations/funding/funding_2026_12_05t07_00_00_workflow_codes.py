from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.codes import check_sql
from pilotzone.db import DB
from pilotzone.workflow.states import AwardState, Decision, FundingState, ObjectionState

ID = "2026-12-05T07:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "CHECK constraints on the workflow codes, generated from the workflow enums"

# the statements, also for the squashed raw-SQL migration of this app (the generated constraints
# replace the hand-written ones of the application and award-notice keys migrations)
STATEMENTS = [
    "ALTER TABLE funding_application DROP CONSTRAINT IF EXISTS funding_application_status_check",
    "ALTER TABLE award_objection DROP CONSTRAINT IF EXISTS award_objection_status_check",
    "ALTER TABLE ledger_entry DROP CONSTRAINT IF EXISTS ledger_entry_status_check",
    *check_sql("funding_application", "status", FundingState),
    *check_sql("funding_review", "decision", Decision),
    *check_sql("award_objection", "status", ObjectionState),
    *check_sql("ledger_entry", "status", AwardState),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="funding", description=DESCRIPTION)

    async def constraints() -> None:
        for sql in STATEMENTS:
            await DB.run_ddl(sql)

    manager.add_raw(constraints)

    return manager
