from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.db import DB

ID = "2026-11-23T00:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "pz_session_principal(): a session, its user and the user's own memberships in one round trip"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="auth", description=DESCRIPTION)

    async def function() -> None:
        # Owner's rights, but membership stays under RLS (FORCE): the function first sets app.user_id
        # to the session's user, so the pz_own_memberships policy shows exactly that user's rows.
        await DB.run_ddl(
            """
CREATE OR REPLACE FUNCTION pz_session_principal(p_token_hash text)
RETURNS json LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_session json;
    v_user int;
BEGIN
    SELECT s."user", json_build_object(
               'id', s.id, 'user_id', s."user", 'membership_id', s.membership_id, 'province', s.province,
               'csrf_token', s.csrf_token, 'created_at', s.created_at, 'last_seen_at', s.last_seen_at,
               'expires_at', s.expires_at, 'email', u.email, 'display_name', u.display_name,
               'province_role', u.province_role, 'is_active', u.is_active)
      INTO v_user, v_session
      FROM pz_session s JOIN pz_user u ON u.id = s."user"
     WHERE s.token_hash = p_token_hash;
    IF v_user IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('app.user_id', v_user::text, true);
    RETURN json_build_object('session', v_session, 'memberships', coalesce((
        SELECT json_agg(json_build_object(
                   'id', m.id, 'tenant_id', m.tenant_id, 'tenant_slug', t.slug, 'tenant_name_zh', t.name_zh,
                   'tenant_name_en', t.name_en, 'role', m.role, 'district_code', m.district_code,
                   'park_id', m.park, 'enterprise_id', m.enterprise) ORDER BY t.sort_order, m.id)
          FROM membership m JOIN tenant t ON t.id = m.tenant_id
         WHERE m."user" = v_user AND m.active AND t.active), '[]'::json));
END $$
"""
        )

    manager.add_raw(function)

    return manager
