"""Auth: what Piccolo cannot declare. Indexes of the global identity tables, the hash-chained
audit insert, and the SECURITY DEFINER functions behind which identity lives (grants and RLS
policies: tenancy/rls.py; keys of the tenant table ``membership``: declared on it)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.auth.roles import PROVINCE_ROLES, TENANT_ROLES, in_sql
from pilotzone.db import DB

ID = "2026-12-05T00:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "identity indexes; audit_append(); pz_session_principal(); identity behind SECURITY DEFINER functions: "
    "one password hash per transaction, sessions by token, one-time links issued and spent by token hash"
)

INDEXES = [
    "CREATE UNIQUE INDEX user_identity_issuer_subject ON user_identity (issuer, subject)",
    "CREATE INDEX login_failure_at ON login_failure (at)",
    "CREATE INDEX audit_log_chain ON audit_log (tenant_id, id)",
    # the audit trail of named objects (the file of an enterprise or park, pilotzone/dossier.py)
    "CREATE INDEX audit_log_object ON audit_log (tenant_id, object_type, object_id, id)",
]

AUDIT_HASH = """
encode(sha256(convert_to(concat_ws('|', quote_nullable({prev}), quote_nullable({t}.tenant_id::text),
    quote_nullable(to_char({t}.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')),
    quote_nullable({t}.actor_id::text), quote_nullable({t}.actor), quote_nullable({t}.action),
    quote_nullable({t}.object_type), quote_nullable({t}.object_id), quote_nullable({t}.before::text),
    quote_nullable({t}.after::text), quote_nullable({t}.request_id), quote_nullable({t}.ip),
    quote_nullable({t}.note)), 'UTF8')), 'hex')
"""

# Runs with the owner's rights: reads the chain's last hash whatever the caller may see, serialised per
# chain by an advisory lock, so concurrent writers cannot fork the chain.
AUDIT_APPEND = (
    """
CREATE OR REPLACE FUNCTION audit_append(
    p_tenant_id int, p_actor_id int, p_actor text, p_action text, p_object_type text, p_object_id text,
    p_before jsonb, p_after jsonb, p_request_id text, p_ip text, p_note text
) RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_prev text;
    v_row audit_log;
BEGIN
    IF p_tenant_id IS NOT NULL
       AND p_tenant_id IS DISTINCT FROM NULLIF(current_setting('app.tenant_id', true), '')::int THEN
        RAISE EXCEPTION 'audit row for tenant % outside that tenant''s transaction', p_tenant_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('pilotzone.audit'), coalesce(p_tenant_id, 0));
    SELECT hash INTO v_prev FROM audit_log
     WHERE tenant_id IS NOT DISTINCT FROM p_tenant_id ORDER BY id DESC LIMIT 1;
    v_row.id := nextval(pg_get_serial_sequence('audit_log', 'id'));
    v_row.at := clock_timestamp();
    v_row.tenant_id := p_tenant_id;
    v_row.actor_id := p_actor_id;
    v_row.actor := coalesce(p_actor, '');
    v_row.action := p_action;
    v_row.object_type := coalesce(p_object_type, '');
    v_row.object_id := coalesce(p_object_id, '');
    v_row.before := p_before;
    v_row.after := p_after;
    v_row.request_id := coalesce(p_request_id, '');
    v_row.ip := coalesce(p_ip, '');
    v_row.note := coalesce(p_note, '');
    v_row.prev_hash := coalesce(v_prev, '');
    v_row.hash := """
    + AUDIT_HASH.format(prev="v_row.prev_hash", t="v_row")
    + """;
    INSERT INTO audit_log SELECT v_row.*;
    RETURN v_row.id;
END $$
"""
)

# A session, its user and the user's own memberships in one round trip. Owner's rights, but membership
# stays under RLS (FORCE): the function first sets app.user_id to the session's user, so the
# pz_own_memberships policy shows exactly that user's rows.
SESSION_PRINCIPAL = """
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

USER = "NULLIF(current_setting('app.user_id', true), '')::int"
TENANT = "NULLIF(current_setting('app.tenant_id', true), '')::int"
HEAD = "LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$"

FUNCTIONS = [
    # The hash of one active account, once per transaction: an injected query cannot walk the table
    # (a second call in the same transaction fails; the marker is a transaction-level advisory lock
    # keyed by this backend, which the caller cannot release).
    f"""
CREATE OR REPLACE FUNCTION pz_login_lookup(p_email text) RETURNS TABLE(id int, password_hash text) {HEAD}
BEGIN
    IF EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.pid = pg_backend_pid()
               AND l.classid = 7105::oid AND l.objid = pg_backend_pid()::oid AND l.objsubid = 2) THEN
        RAISE EXCEPTION 'one password lookup per transaction' USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM pg_advisory_xact_lock(7105, pg_backend_pid());
    RETURN QUERY SELECT u.id, u.password_hash::text FROM pz_user u
                  WHERE u.email = p_email AND u.is_active AND u.password_hash IS NOT NULL;
END $$
""",
    f"""
CREATE OR REPLACE FUNCTION pz_is_province_admin() RETURNS boolean STABLE {HEAD}
BEGIN
    RETURN EXISTS (SELECT 1 FROM pz_user WHERE id = {USER} AND province_role = 'province_admin' AND is_active);
END $$
""",
    # membership is FORCEd: the owner too sees only the tenant in context
    f"""
CREATE OR REPLACE FUNCTION pz_is_tenant_admin() RETURNS boolean STABLE {HEAD}
BEGIN
    RETURN EXISTS (SELECT 1 FROM membership m WHERE m."user" = {USER} AND m.tenant_id = {TENANT}
                   AND m.role = 'bureau_admin' AND m.active);
END $$
""",
    # sessions: whoever holds the token (the cookie) may slide or end it
    f"""
CREATE OR REPLACE FUNCTION pz_session_touch(p_token_hash text, p_idle interval, p_absolute interval)
RETURNS void {HEAD}
BEGIN
    UPDATE pz_session SET last_seen_at = now(), expires_at = LEAST(now() + p_idle, created_at + p_absolute)
     WHERE token_hash = p_token_hash;
END $$
""",
    f"""
CREATE OR REPLACE FUNCTION pz_session_end(p_token_hash text) RETURNS void {HEAD}
BEGIN
    DELETE FROM pz_session WHERE token_hash = p_token_hash;
END $$
""",
    # a deactivated membership of the tenant in context: the sessions acting with it end
    f"""
CREATE OR REPLACE FUNCTION pz_end_membership_sessions(p_membership int) RETURNS void {HEAD}
BEGIN
    DELETE FROM pz_session s WHERE s.membership_id = p_membership
       AND EXISTS (SELECT 1 FROM membership m WHERE m.id = p_membership AND NOT m.active);
END $$
""",
    f"""
CREATE OR REPLACE FUNCTION pz_revoke_province_role(p_user int) RETURNS void {HEAD}
BEGIN
    IF NOT pz_is_province_admin() OR p_user = {USER} THEN
        RAISE EXCEPTION 'only another province administrator may revoke a province role'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE pz_user SET province_role = NULL WHERE id = p_user;
    DELETE FROM pz_session WHERE "user" = p_user AND province;
END $$
""",
    # a province role is never written by the app role itself (INSERT needs it NULL, no UPDATE on
    # the column): an accepted provincial invitation for the user the transaction acts for ...
    f"""
CREATE OR REPLACE FUNCTION pz_accept_province_invite(p_token_hash text) RETURNS text {HEAD}
DECLARE
    v_role text;
BEGIN
    SELECT t."grant"->>'province_role' INTO v_role
      FROM one_time_token t JOIN pz_user u ON u.email = t.email
     WHERE t.token_hash = p_token_hash AND t.kind = 'invite' AND t.tenant IS NULL AND t.used_at IS NULL
       AND t.expires_at > now() AND u.id = {USER}
       FOR UPDATE OF t;
    IF v_role IS NULL OR v_role NOT IN ('province_admin', 'province_viewer') THEN
        RAISE EXCEPTION 'no provincial invitation for this user' USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE pz_user SET province_role = v_role WHERE id = {USER};
    UPDATE one_time_token SET used_at = now() WHERE token_hash = p_token_hash;
    RETURN v_role;
END $$
""",
    # ... or a new account of a deployment-wide identity provider whose rules grant one (the ID token
    # was verified in Python; the account has no password and is bound to that identity at once)
    f"""
CREATE OR REPLACE FUNCTION pz_provision_province_user(
    p_email text, p_name text, p_role text, p_issuer text, p_subject text
) RETURNS int {HEAD}
DECLARE
    v_id int;
BEGIN
    IF p_role NOT IN ('province_admin', 'province_viewer') THEN
        RAISE EXCEPTION 'not a province role' USING ERRCODE = 'insufficient_privilege';
    END IF;
    INSERT INTO pz_user (email, display_name, password_hash, province_role, is_active, created_at)
    VALUES (p_email, p_name, NULL, p_role, true, now()) RETURNING id INTO v_id;
    INSERT INTO user_identity ("user", issuer, subject, created_at) VALUES (v_id, p_issuer, p_subject, now());
    RETURN v_id;
END $$
""",
    # one-time links: issued only by an administrator of where they lead; read and spent by token hash
    f"""
CREATE OR REPLACE FUNCTION pz_issue_link(
    p_token_hash text, p_kind text, p_email text, p_user int, p_tenant int, p_grant jsonb,
    p_created_by int, p_expires timestamptz
) RETURNS int {HEAD}
DECLARE
    v_id int;
BEGIN
    IF NOT (
        (p_kind = 'invite' AND p_tenant IS NOT NULL AND p_tenant = {TENANT}
            AND (pz_is_tenant_admin() OR pz_is_province_admin()))
        OR (p_kind = 'invite' AND p_tenant IS NULL AND pz_is_province_admin())
        OR (p_kind = 'reset' AND p_tenant IS NULL AND (pz_is_province_admin() OR (pz_is_tenant_admin()
            AND EXISTS (SELECT 1 FROM membership m WHERE m."user" = p_user AND m.tenant_id = {TENANT}))))
        -- the operator's command line (`pilotzone users invite`) connects as the owner, not as the app
        OR EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = session_user
                   AND (r.rolsuper OR r.oid = (SELECT relowner FROM pg_class WHERE oid = 'one_time_token'::regclass)))
    ) THEN
        RAISE EXCEPTION 'not allowed to issue this link' USING ERRCODE = 'insufficient_privilege';
    END IF;
    INSERT INTO one_time_token (token_hash, kind, email, "user", tenant, "grant", created_by, created_at,
                                expires_at, used_at)
    VALUES (p_token_hash, p_kind, p_email, p_user, p_tenant, coalesce(p_grant, '{{}}'::jsonb), p_created_by,
            now(), p_expires, NULL)
    RETURNING id INTO v_id;
    RETURN v_id;
END $$
""",
    f"""
CREATE OR REPLACE FUNCTION pz_find_link(p_token_hash text, p_kind text) RETURNS json {HEAD}
DECLARE
    v_link json;
BEGIN
    SELECT json_build_object('id', t.id, 'kind', t.kind, 'email', t.email, 'user', t."user",
                             'tenant', t.tenant, 'grant', t."grant", 'expires_at', t.expires_at)
      INTO v_link
      FROM one_time_token t
     WHERE t.token_hash = p_token_hash AND t.kind = p_kind AND t.used_at IS NULL AND t.expires_at > now()
       FOR UPDATE;
    RETURN v_link;
END $$
""",
    f"""
CREATE OR REPLACE FUNCTION pz_spend_link(p_token_hash text) RETURNS boolean {HEAD}
BEGIN
    UPDATE one_time_token SET used_at = now() WHERE token_hash = p_token_hash AND used_at IS NULL;
    RETURN FOUND;
END $$
""",
]

# roles: CHECK constraints from auth.roles.Role (tenant roles on memberships, province roles on users)
ROLE_CODES = [
    'ALTER TABLE "membership" DROP CONSTRAINT IF EXISTS "membership_role_code"',
    f'ALTER TABLE "membership" ADD CONSTRAINT "membership_role_code" CHECK ("role" IN ({in_sql(TENANT_ROLES)}))',
    'ALTER TABLE "pz_user" DROP CONSTRAINT IF EXISTS "pz_user_province_role_code"',
    'ALTER TABLE "pz_user" ADD CONSTRAINT "pz_user_province_role_code" '
    f'CHECK ("province_role" IS NULL OR "province_role" IN ({in_sql(PROVINCE_ROLES)}))',
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="auth", description=DESCRIPTION)

    async def raw() -> None:
        for sql in (*INDEXES, AUDIT_APPEND, SESSION_PRINCIPAL, *FUNCTIONS, *ROLE_CODES):
            await DB.run_ddl(sql)

    manager.add_raw(raw)

    return manager
