from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.db import DB

ID = "2026-11-23T01:27:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "notices and certificates: keys tenant first, counters, and pz_verify_certificate()"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="certification", description=DESCRIPTION)

    async def keys() -> None:
        await DB.run_ddl(
            "CREATE INDEX application_tenant_notice ON application (tenant_id, status, notice_until)"
        )
        await DB.run_ddl(
            "CREATE INDEX objection_tenant_application ON objection (tenant_id, application, status, id)"
        )
        await DB.run_ddl("CREATE INDEX objection_tenant_status ON objection (tenant_id, status, id)")
        await DB.run_ddl(
            "ALTER TABLE certificate ADD CONSTRAINT certificate_tenant_number UNIQUE (tenant_id, number)"
        )
        await DB.run_ddl("CREATE INDEX certificate_number ON certificate (number)")
        await DB.run_ddl(
            "ALTER TABLE certificate_counter ADD CONSTRAINT certificate_counter_tenant_scheme_year "
            "UNIQUE (tenant_id, scheme_key, year)"
        )
        # Public verification across tenants: owner's rights, but the tables stay under FORCEd RLS, so
        # the function looks in one tenant at a time (app.tenant_id) and restores the setting after.
        await DB.run_ddl(
            """
CREATE OR REPLACE FUNCTION pz_verify_certificate(p_number text)
RETURNS TABLE(number text, scheme_name_zh text, scheme_name_en text, subject_label text,
              tenant_name_zh text, tenant_name_en text, issued_at timestamptz, valid_until timestamptz,
              status text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_before text := coalesce(current_setting('app.tenant_id', true), '');
    v_tenant record;
BEGIN
    FOR v_tenant IN SELECT t.id, t.name_zh, t.name_en FROM tenant t WHERE t.active ORDER BY t.id LOOP
        PERFORM set_config('app.tenant_id', v_tenant.id::text, true);
        RETURN QUERY
            SELECT c.number::text, s.name_zh::text, s.name_en::text, c.subject_label::text,
                   v_tenant.name_zh::text, v_tenant.name_en::text, c.issued_at, c.valid_until, c.status::text
              FROM certificate c
              JOIN application a ON a.id = c.application
              JOIN scheme s ON s.id = a.scheme
             WHERE c.tenant_id = v_tenant.id AND c.number = p_number;
    END LOOP;
    PERFORM set_config('app.tenant_id', v_before, true);
END $$
"""
        )

    manager.add_raw(keys)

    return manager
