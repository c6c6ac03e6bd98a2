from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.db import DB

ID = "2026-12-01T01:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "enterprise search: one lower-cased text of name and credit code, trigram index where pg_trgm exists"

# pg_trgm ships with Debian's PostgreSQL (contrib) but not with pgserver's embedded PostgreSQL 16:
# without it the list still works (a sequential scan of one precomputed column, no ILIKE per row).
TRGM = """
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
    BEGIN
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE NOTICE 'pg_trgm not installed (%), enterprise search runs without its index', SQLERRM;
    END;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    EXECUTE 'CREATE INDEX enterprise_search_trgm ON enterprise USING gin (search_text gin_trgm_ops)';
  END IF;
END
$$
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)

    async def search() -> None:
        await DB.run_ddl(
            "ALTER TABLE enterprise ADD COLUMN search_text text "
            "GENERATED ALWAYS AS (lower(name::text) || ' ' || lower(uscc::text)) STORED"
        )
        await DB.run_ddl(TRGM)

    manager.add_raw(search)

    return manager
