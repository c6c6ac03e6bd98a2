from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.db import DB

ID = "2026-12-01T03:01:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "reminders unique per (tenant, certificate, kind); expiry index; pz_verify_certificate() with renewals"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="certification", description=DESCRIPTION)

    async def keys() -> None:
        await DB.run_ddl(
            "ALTER TABLE certificate_reminder ADD CONSTRAINT certificate_reminder_tenant_certificate_kind "
            "UNIQUE (tenant_id, certificate, kind)"
        )
        await DB.run_ddl("CREATE INDEX certificate_tenant_status_until ON certificate (tenant_id, status, valid_until)")
        await DB.run_ddl("CREATE INDEX application_tenant_renews ON application (tenant_id, renews)")
        await DB.run_ddl("UPDATE certificate SET valid_from = issued_at")
        # the result gains the state's inputs for renewals: the number of the certificate that replaced it
        await DB.run_ddl("DROP FUNCTION IF EXISTS pz_verify_certificate(text)")
        await DB.run_ddl(
            """
CREATE FUNCTION pz_verify_certificate(p_number text)
RETURNS TABLE(number text, scheme_name_zh text, scheme_name_en text, subject_label text,
              tenant_name_zh text, tenant_name_en text, issued_at timestamptz, valid_until timestamptz,
              status text, valid_from timestamptz, renewed_number text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_before text := coalesce(current_setting('app.tenant_id', true), '');
    v_tenant record;
BEGIN
    FOR v_tenant IN SELECT t.id, t.name_zh, t.name_en FROM tenant t WHERE t.active ORDER BY t.id LOOP
        PERFORM set_config('app.tenant_id', v_tenant.id::text, true);
        RETURN QUERY
            SELECT c.number::text, s.name_zh::text, s.name_en::text, c.subject_label::text,
                   v_tenant.name_zh::text, v_tenant.name_en::text, c.issued_at, c.valid_until, c.status::text,
                   c.valid_from, n.number::text
              FROM certificate c
              JOIN application a ON a.id = c.application
              JOIN scheme s ON s.id = a.scheme
              LEFT JOIN certificate n ON n.id = c.renewed_by AND n.tenant_id = v_tenant.id
             WHERE c.tenant_id = v_tenant.id AND c.number = p_number;
    END LOOP;
    PERFORM set_config('app.tenant_id', v_before, true);
END $$
"""
        )

    manager.add_raw(keys)

    return manager
