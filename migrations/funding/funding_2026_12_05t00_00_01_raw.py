"""Funding: what Piccolo cannot declare (keys and indexes are declared on the tables, see
pilotzone.tenancy.keys): CHECKs on states and money, and the award state by its dates."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.codes import check_sql
from pilotzone.db import DB
from pilotzone.workflow.states import AwardState

ID = "2026-12-05T00:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "state and money checks; pz_award_state()"

CHECKS = [
    "ALTER TABLE round ADD CONSTRAINT round_status_check"
    " CHECK (status IN ('scheduled', 'open', 'closed', 'calculating', 'calculated', 'approved'))",
    "ALTER TABLE round ADD CONSTRAINT round_rule_check CHECK (rule IN ('pro_rata', 'ranked', 'first_come'))",
    "ALTER TABLE round ADD CONSTRAINT round_budget_check CHECK (budget >= 0)",
    "ALTER TABLE round ADD CONSTRAINT round_dates_check CHECK (closes_at >= opens_at)",
    "ALTER TABLE calculation ADD CONSTRAINT calculation_status_check CHECK (status IN"
    " ('running', 'calculated', 'approved', 'superseded', 'failed'))",
    "ALTER TABLE calculation_result ADD CONSTRAINT calculation_result_money_check"
    " CHECK (claim >= 0 AND (award IS NULL OR (award >= 0 AND award <= claim)))",
    "ALTER TABLE ledger_entry ADD CONSTRAINT ledger_entry_paid_check"
    " CHECK (awarded > 0 AND paid >= 0 AND paid <= awarded)",
    "ALTER TABLE payment ADD CONSTRAINT payment_amount_check CHECK (amount > 0)",
    # the workflow codes, generated from the workflow enums
    *check_sql("ledger_entry", "status", AwardState),
]

# The one definition of a ledger entry's state: a notice whose end has passed is an award; nothing has to
# move it. Inlined by the planner (a plain SQL CASE), so it costs nothing per row.
STATE = """
CREATE OR REPLACE FUNCTION pz_award_state(p_status text, p_notice_until timestamptz, p_at timestamptz)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN p_status = 'notice' AND p_notice_until <= p_at THEN 'awarded' ELSE p_status END
$$
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="funding", description=DESCRIPTION)

    async def raw() -> None:
        for sql in (*CHECKS, STATE):
            await DB.run_ddl(sql)

    manager.add_raw(raw)

    return manager
