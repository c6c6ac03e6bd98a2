from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.db import DB

ID = "2026-12-01T06:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "enterprise search grams: key, trigger that keeps them exact, backfill"

# Why grams: under row-level security a qual that is not LEAKPROOF (LIKE, and pg_trgm's operators) is
# evaluated after the policy, so never as an index condition; text equality is leakproof. The list
# looks up the query's distinct 2-character grams with ``gram = ANY($1)`` (index), keeps enterprises
# that have all of them and applies the LIKE to those few only.

GRAMS = """
CREATE FUNCTION pz_search_grams(p text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT substr(p, i, 2)), '{}')
  FROM generate_series(1, char_length(p) - 1) AS i
$$
"""

# SECURITY INVOKER: it runs as whoever changes the enterprise (the app role, RLS forced): the grams it
# writes carry the enterprise's tenant, which is the tenant in context (the enterprise passed the same
# policy), and those it removes are visible to it for the same reason.
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

# The owner runs migrations; where it is not a superuser, FORCEd RLS (set by an earlier migrate) would
# hide every row from it: lift FORCE for the backfill (same transaction) and restore it.
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


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)

    async def grams() -> None:
        await DB.run_ddl(
            "CREATE UNIQUE INDEX enterprise_search_gram_key "
            "ON enterprise_search_gram (tenant_id, gram, enterprise_id)"
        )
        await DB.run_ddl(GRAMS)
        await DB.run_ddl(SYNC)
        await DB.run_ddl(TRIGGER)
        await DB.run_ddl(BACKFILL)

    manager.add_raw(grams)

    return manager
