"""Certification: what Piccolo cannot declare (keys and indexes are declared on the tables, see
pilotzone.tenancy.keys): public verification of a certificate across tenants."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.db import DB

ID = "2026-12-05T00:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "pz_verify_certificate(): a certificate by its number in every active tenant, with its issuer"

# Public verification across tenants: owner's rights, but the tables stay under FORCEd RLS, so the
# function looks in one tenant at a time (app.tenant_id) and restores the setting after. The result
# names the issuing authority (the tenant's bureau) and, for a renewed certificate, its successor.
VERIFY = """
CREATE OR REPLACE FUNCTION pz_verify_certificate(p_number text)
RETURNS TABLE(number text, scheme_name_zh text, scheme_name_en text, subject_label text,
              tenant_name_zh text, tenant_name_en text, issued_at timestamptz, valid_until timestamptz,
              status text, valid_from timestamptz, renewed_number text, issuer_zh text, issuer_en text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_before text := coalesce(current_setting('app.tenant_id', true), '');
    v_tenant record;
BEGIN
    FOR v_tenant IN SELECT t.id, t.name_zh, t.name_en, t.bureau_zh, t.bureau_en FROM tenant t
                     WHERE t.active ORDER BY t.id LOOP
        PERFORM set_config('app.tenant_id', v_tenant.id::text, true);
        RETURN QUERY
            SELECT c.number::text, s.name_zh::text, s.name_en::text, c.subject_label::text,
                   v_tenant.name_zh::text, v_tenant.name_en::text, c.issued_at, c.valid_until, c.status::text,
                   c.valid_from, n.number::text, v_tenant.bureau_zh::text, v_tenant.bureau_en::text
              FROM certificate c
              JOIN application a ON a.id = c.application
              JOIN scheme s ON s.id = a.scheme
              LEFT JOIN certificate n ON n.id = c.renewed_by AND n.tenant_id = v_tenant.id
             WHERE c.tenant_id = v_tenant.id AND c.number = p_number;
    END LOOP;
    PERFORM set_config('app.tenant_id', v_before, true);
END $$
"""



async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="certification", description=DESCRIPTION)

    async def raw() -> None:
        for sql in (VERIFY,):
            await DB.run_ddl(sql)

    manager.add_raw(raw)

    return manager
