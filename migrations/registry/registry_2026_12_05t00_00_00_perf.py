from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.db import DB

ID = "2026-12-05T00:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "park list page from one index; enterprise search grams of 2 and 3 characters"

# Park list: under RLS its page (ORDER BY id OFFSET n) read and skipped n table rows, testing the
# tenant policy on each; from (tenant_id, status, id) it skips n index entries (the policy's test is
# an index condition) and reads only the rows shown. The index also serves the count, so
# (tenant_id, status) goes.
PARK_INDEX = (
    "CREATE INDEX park_tenant_status_id ON park (tenant_id, status, id)",
    "DROP INDEX park_tenant_status",
)

# Enterprise search: 3-character grams besides the 2-character ones. In Chinese names most 2-character
# grams are common (佛山, 市物, 物流: 1,250-2,500 of 10,000 enterprises each) and the search read
# thousands of gram entries per query; a 3-character gram of a query is usually rare (山市物: 250).
# A 2-character query still uses the 2-character grams.
GRAMS = """
CREATE OR REPLACE FUNCTION pz_search_grams(p text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT g), '{}')
  FROM (SELECT substr(p, i, 2) AS g FROM generate_series(1, char_length(p) - 1) AS i
        UNION ALL
        SELECT substr(p, i, 3) FROM generate_series(1, char_length(p) - 2) AS i) AS grams
$$
"""

# As in the migration that created the table: lift FORCE for the backfill (same transaction).
BACKFILL = """
DO $$
DECLARE
  v_forced boolean;
BEGIN
  SELECT relforcerowsecurity INTO v_forced FROM pg_class WHERE oid = 'enterprise'::regclass;
  ALTER TABLE enterprise NO FORCE ROW LEVEL SECURITY;
  ALTER TABLE enterprise_search_gram NO FORCE ROW LEVEL SECURITY;
  INSERT INTO enterprise_search_gram (tenant_id, gram, enterprise_id)
  SELECT e.tenant_id, g, e.id FROM enterprise AS e, unnest(pz_search_grams(e.search_text)) AS g
  ON CONFLICT (tenant_id, gram, enterprise_id) DO NOTHING;
  IF v_forced THEN
    ALTER TABLE enterprise FORCE ROW LEVEL SECURITY;
    ALTER TABLE enterprise_search_gram FORCE ROW LEVEL SECURITY;
  END IF;
END
$$
"""

STATEMENTS = (
    *PARK_INDEX,
    "ALTER TABLE enterprise_search_gram ALTER COLUMN gram TYPE varchar(3)",
    GRAMS,
    BACKFILL,
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)

    async def statements() -> None:
        for statement in STATEMENTS:
            await DB.run_ddl(statement)

    manager.add_raw(statements)

    return manager
