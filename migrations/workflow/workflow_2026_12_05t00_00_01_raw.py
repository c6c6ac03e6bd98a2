"""Workflow: what Piccolo cannot declare (keys and indexes are declared on the tables, see
pilotzone.tenancy.keys): the CHECKs of the workflow codes, generated from the enums, a submission's
state per kind among them."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.codes import check_sql
from pilotzone.db import DB
from pilotzone.workflow.states import STATES, Decision, Kind, ObjectionState

ID = "2026-12-05T00:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "CHECKs of the workflow codes (kinds, states per kind, decisions, objections)"

SUBMISSION_KINDS = (Kind.CERTIFICATION, Kind.FUNDING, Kind.REGISTRATION, Kind.TRADE_RETURN)
NOTICE_KINDS = (Kind.CERTIFICATION, Kind.AWARD)


def _in(codes: tuple[Kind, ...]) -> str:
    return ", ".join(f"'{code.value}'" for code in codes)


# a submission's status is one of its kind's states
STATE_RULE = " OR ".join(f"(kind = '{kind.value}' AND status IN ({STATES[kind].sql_list()}))" for kind in SUBMISSION_KINDS)
CHECKS = [
    'ALTER TABLE "submission" DROP CONSTRAINT IF EXISTS "submission_kind_code"',
    f'ALTER TABLE "submission" ADD CONSTRAINT "submission_kind_code" CHECK (kind IN ({_in(SUBMISSION_KINDS)}))',
    'ALTER TABLE "submission" DROP CONSTRAINT IF EXISTS "submission_status_code"',
    f'ALTER TABLE "submission" ADD CONSTRAINT "submission_status_code" CHECK ({STATE_RULE})',
    'ALTER TABLE "notice" DROP CONSTRAINT IF EXISTS "notice_kind_code"',
    f'ALTER TABLE "notice" ADD CONSTRAINT "notice_kind_code" CHECK (kind IN ({_in(NOTICE_KINDS)}))',
    *check_sql("review_step", "decision", Decision),
    *check_sql("objection", "status", ObjectionState),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="workflow", description=DESCRIPTION)

    async def raw() -> None:
        for sql in CHECKS:
            await DB.run_ddl(sql)

    manager.add_raw(raw)

    return manager
