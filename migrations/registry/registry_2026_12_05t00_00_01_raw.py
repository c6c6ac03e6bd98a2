"""Registry: what Piccolo cannot declare (keys and indexes are declared on the tables, see
pilotzone.tenancy.keys): CHECKs, the enterprise search column and its grams (functions, trigger)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.codes import check_sql
from pilotzone.db import DB
from pilotzone.registry.codes import ParkKind

ID = "2026-12-05T00:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "checks, enterprise search text (trigram index where pg_trgm exists) and its 2-character grams"

CHECKS = [
    "ALTER TABLE park ADD CONSTRAINT park_status_known CHECK (status IN ('active', 'retired', 'pending', 'rejected'))",
    "ALTER TABLE park ADD CONSTRAINT park_area_positive CHECK (area IS NULL OR area > 0)",
    "ALTER TABLE enterprise ADD CONSTRAINT enterprise_status_known CHECK (status IN ('active', 'pending', 'rejected'))",
    "ALTER TABLE overseas_warehouse ADD CONSTRAINT overseas_warehouse_area_positive CHECK (floor_area > 0)",
    "ALTER TABLE talent ADD CONSTRAINT talent_id_number_length CHECK (length(id_number) = 18)",
    "ALTER TABLE negative_list_entry ADD CONSTRAINT negative_list_entry_period "
    "CHECK (valid_until IS NULL OR valid_until >= valid_from)",
]

# Enterprise search: one lower-cased text of name and credit code.
SEARCH_TEXT = (
    "ALTER TABLE enterprise ADD COLUMN search_text text "
    "GENERATED ALWAYS AS (lower(name::text) || ' ' || lower(uscc::text)) STORED"
)

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

# Why grams: under row-level security a qual that is not LEAKPROOF (LIKE, and pg_trgm's operators) is
# evaluated after the policy, so never as an index condition; text equality is leakproof. The list
# looks up the query's distinct 2-character grams with ``gram = ANY($1)`` (index), keeps enterprises
# that have all of them and applies the LIKE to those few only.
GRAMS = """
CREATE FUNCTION pz_search_grams(p text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT g), '{}')
  FROM (SELECT substr(p, i, 2) AS g FROM generate_series(1, char_length(p) - 1) AS i
        UNION ALL
        SELECT substr(p, i, 3) FROM generate_series(1, char_length(p) - 2) AS i) AS grams
$$
"""

# SECURITY INVOKER: it runs as whoever changes the enterprise (the app role, RLS forced): the grams it
# writes carry the enterprise's tenant, which is the tenant in context (the enterprise passed the same
# policy), and those it removes are visible to it for the same reason. Its ON CONFLICT needs the unique
# key enterprise_search_gram_key, which `pilotzone migrate` makes right after the migrations.
SYNC = """
CREATE FUNCTION enterprise_search_gram_sync() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  v_old text[];
  v_new text[];
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.tenant_id = OLD.tenant_id
     AND NEW.search_text IS NOT DISTINCT FROM OLD.search_text THEN
    RETURN NULL;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    v_old := coalesce(pz_search_grams(OLD.search_text), '{}');
  END IF;
  IF TG_OP <> 'DELETE' THEN
    v_new := coalesce(pz_search_grams(NEW.search_text), '{}');
  END IF;
  IF TG_OP = 'DELETE' OR NEW.id <> OLD.id OR NEW.tenant_id <> OLD.tenant_id THEN
    DELETE FROM enterprise_search_gram
     WHERE tenant_id = OLD.tenant_id AND enterprise_id = OLD.id AND gram = ANY (v_old);
  ELSIF TG_OP = 'UPDATE' THEN  -- a rename: only the grams it lost
    DELETE FROM enterprise_search_gram
     WHERE tenant_id = OLD.tenant_id AND enterprise_id = OLD.id AND gram = ANY (v_old)
       AND NOT gram = ANY (v_new);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO enterprise_search_gram (tenant_id, gram, enterprise_id)
    SELECT NEW.tenant_id, g, NEW.id FROM unnest(v_new) AS g
    ON CONFLICT (tenant_id, gram, enterprise_id) DO NOTHING;
  END IF;
  RETURN NULL;
END
$$
"""

TRIGGER = """
CREATE TRIGGER enterprise_search_gram_sync
AFTER INSERT OR DELETE OR UPDATE OF id, tenant_id, name, uscc ON enterprise
FOR EACH ROW EXECUTE FUNCTION enterprise_search_gram_sync()
"""

# parks: CHECK constraint on kind from registry.codes.ParkKind
PARK_KIND = check_sql("park", "kind", ParkKind)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)

    async def raw() -> None:
        for sql in (*CHECKS, *PARK_KIND, SEARCH_TEXT, TRGM, GRAMS, SYNC, TRIGGER):
            await DB.run_ddl(sql)

    manager.add_raw(raw)

    return manager
