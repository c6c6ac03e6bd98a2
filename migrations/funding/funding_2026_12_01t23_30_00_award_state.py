from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.db import DB

ID = "2026-12-01T23:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "award state by its dates (pz_award_state) and the public notice's keyset and search indexes"

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

    async def state() -> None:
        for sql in (
            STATE,
            # the public page: running notices from now on, in the order they end (keyset on notice_until, id)
            "CREATE INDEX ledger_entry_tenant_notice_order ON ledger_entry (tenant_id, status, notice_until, id)"
            " WHERE status IN ('notice', 'objected')",
            # its search by the start of the awardee's name: text comparisons are leakproof, so under RLS
            # the range is an index condition (a LIKE would be a filter over every row)
            'CREATE INDEX ledger_entry_tenant_notice_name ON ledger_entry (tenant_id, (subject_label COLLATE "C"), id)'
            " INCLUDE (status, notice_until) WHERE status IN ('notice', 'objected')",
        ):
            await DB.run_ddl(sql)

    manager.add_raw(state)

    return manager
