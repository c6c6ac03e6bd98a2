"""Row-level security: the application role, grants and policies on every tenant table.

Run by ``pilotzone migrate`` as the owner role after the Piccolo migrations. Idempotent: policies
are dropped and re-created, so a changed policy text reaches every table on the next migrate.
"""

from __future__ import annotations

import asyncpg
from piccolo.apps.migrations.commands.check import CheckMigrationManager
from piccolo.apps.migrations.commands.forwards import run_forwards

from pilotzone import db
from pilotzone.settings import get_settings
from pilotzone.tenancy.keys import apply_keys, open_for_migrations
from pilotzone.tenancy.tables import Tenant, tenant_tables

TENANT_EXPR = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::int"
PROVINCE_EXPR = "current_setting('app.scope', true) = 'province'"


def policy_statements(tablename: str, province: str) -> list[str]:
    """``province`` is the quoted province role: only it has the cross-tenant read policy, so the
    app role's queries carry the single index-friendly tenant predicate."""
    return [
        f'ALTER TABLE "{tablename}" ENABLE ROW LEVEL SECURITY',
        f'ALTER TABLE "{tablename}" FORCE ROW LEVEL SECURITY',
        f'DROP POLICY IF EXISTS pz_tenant_isolation ON "{tablename}"',
        f'CREATE POLICY pz_tenant_isolation ON "{tablename}" USING ({TENANT_EXPR}) WITH CHECK ({TENANT_EXPR})',
        f'DROP POLICY IF EXISTS pz_province_read ON "{tablename}"',
        f'CREATE POLICY pz_province_read ON "{tablename}" FOR SELECT TO {province} USING ({PROVINCE_EXPR})',
    ]


USER_EXPR = "NULLIF(current_setting('app.user_id', true), '')::int"
TENANT_ID = TENANT_EXPR.split(" = ", 1)[1]
# pz_user without password_hash: the hash is read only through pz_login_lookup() (one per transaction)
USER_COLUMNS = "id, email, display_name, province_role, is_active, created_at, last_login_at, language, phone"
# global identity tables (no tenant column): grants, and RLS where a request needs rows
GLOBAL_GRANTS = {
    "user_identity": "SELECT, INSERT, DELETE",
    "pz_session": "SELECT, INSERT, UPDATE, DELETE",
    "login_failure": "SELECT, INSERT, DELETE",
}
# SECURITY DEFINER functions the app role may call (migrations/auth, certification)
FUNCTIONS = (
    "audit_append(int, int, text, text, text, text, jsonb, jsonb, text, text, text)",
    "pz_session_principal(text)",
    "pz_verify_certificate(text)",
    "pz_login_lookup(text)",
    "pz_is_province_admin()",
    "pz_is_tenant_admin()",
    "pz_session_touch(text, interval, interval)",
    "pz_session_end(text)",
    "pz_end_membership_sessions(int)",
    "pz_revoke_province_role(int)",
    "pz_issue_link(text, text, text, int, int, jsonb, int, timestamptz)",
    "pz_find_link(text, text)",
    "pz_spend_link(text)",
    "pz_accept_province_invite(text)",
    "pz_provision_province_user(text, text, text, text, text)",
)


def _policy(table: str, name: str, rule: str) -> list[str]:
    return [f'DROP POLICY IF EXISTS {name} ON "{table}"', f'CREATE POLICY {name} ON "{table}" {rule}']


def identity_statements(app: str, province: str, owner: str) -> list[str]:
    """Identity tables, so that no query of the app role reads every password hash or session:

    * ``pz_user``: every column but ``password_hash`` is readable; a user updates only their own
      row (``app.user_id``), and never its ``province_role`` or ``is_active``; an inserted user has no
      province role. Province roles are granted by ``pz_accept_province_invite()`` or
      ``pz_provision_province_user()`` (OIDC) and revoked by ``pz_revoke_province_role()``.
    * ``pz_session``: a user's own sessions only; lookups by token go through the definer functions
      (``pz_session_principal``, ``pz_session_touch``, ``pz_session_end``).
    * ``one_time_token``: the rows of the tenant in context (the province role reads all); issued
      through ``pz_issue_link()`` (administrators only), read and spent by token hash.
    * ``tenant``: readable by all, written only by ``tenants sync`` (``app.scope = 'provisioning'``).
    * ``membership``: a user reads their own memberships in every tenant (to pick one).
    * ``audit_log``: append-only for the app (INSERT, SELECT; no UPDATE/DELETE), rows of the tenant
      in context, every row for the province role, FORCEd; the owner (``audit_append()``, which reads
      each chain whole) has its own read policy.

    Identity tables are ENABLEd, not FORCEd: the definer functions run as the owner."""
    out = [f'GRANT {privileges} ON "{table}" TO {app}' for table, privileges in GLOBAL_GRANTS.items()]
    out += [
        f'REVOKE ALL ON "pz_user", "one_time_token" FROM {app}, {province}',
        f'GRANT SELECT ({USER_COLUMNS}) ON "pz_user" TO {app}, {province}',
        f'GRANT INSERT, UPDATE (display_name, password_hash, last_login_at, language, phone) ON "pz_user" TO {app}',
        'ALTER TABLE "pz_user" ENABLE ROW LEVEL SECURITY',
        *_policy("pz_user", "pz_user_read", "FOR SELECT USING (true)"),
        *_policy("pz_user", "pz_user_insert", "FOR INSERT WITH CHECK (province_role IS NULL)"),
        *_policy(
            "pz_user", "pz_user_own", f"FOR UPDATE USING (id = {USER_EXPR}) WITH CHECK (id = {USER_EXPR})"
        ),
        'ALTER TABLE "pz_session" ENABLE ROW LEVEL SECURITY',
        *_policy(
            "pz_session", "pz_own_sessions", f'USING ("user" = {USER_EXPR}) WITH CHECK ("user" = {USER_EXPR})'
        ),
        f'GRANT SELECT ON "one_time_token" TO {app}, {province}',
        'ALTER TABLE "one_time_token" ENABLE ROW LEVEL SECURITY',
        *_policy("one_time_token", "pz_token_tenant", f"FOR SELECT USING (tenant = {TENANT_ID})"),
        *_policy("one_time_token", "pz_token_province", f"FOR SELECT TO {province} USING ({PROVINCE_EXPR})"),
        f'GRANT SELECT, INSERT, UPDATE ON "{Tenant._meta.tablename}" TO {app}',
        f'GRANT SELECT ON "{Tenant._meta.tablename}" TO {province}',
        f'ALTER TABLE "{Tenant._meta.tablename}" ENABLE ROW LEVEL SECURITY',
        *_policy(Tenant._meta.tablename, "pz_tenant_read", "FOR SELECT USING (true)"),
        *_policy(
            Tenant._meta.tablename,
            "pz_tenant_provision",
            "FOR INSERT WITH CHECK (current_setting('app.scope', true) = 'provisioning')",
        ),
        *_policy(
            Tenant._meta.tablename,
            "pz_tenant_update",
            "FOR UPDATE USING (current_setting('app.scope', true) = 'provisioning')",
        ),
        *_policy("membership", "pz_own_memberships", f'FOR SELECT USING ("user" = {USER_EXPR})'),
        'ALTER TABLE "audit_log" ENABLE ROW LEVEL SECURITY',
        'ALTER TABLE "audit_log" FORCE ROW LEVEL SECURITY',
        f'REVOKE ALL ON "audit_log" FROM {app}, {province}',
        f'GRANT SELECT, INSERT ON "audit_log" TO {app}',
        f'GRANT SELECT ON "audit_log" TO {province}',
        *_policy("audit_log", "pz_audit_tenant", f"FOR SELECT USING (tenant_id = {TENANT_ID})"),
        *_policy("audit_log", "pz_audit_province", f"FOR SELECT TO {province} USING ({PROVINCE_EXPR})"),
        *_policy("audit_log", "pz_audit_owner", f"FOR SELECT TO {owner} USING (true)"),
        *_policy(
            "audit_log",
            "pz_audit_insert",
            f"FOR INSERT WITH CHECK (tenant_id IS NULL OR tenant_id = {TENANT_ID})",
        ),
    ]
    for signature in FUNCTIONS:
        out += [
            f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC",
            f"GRANT EXECUTE ON FUNCTION {signature} TO {app}",
        ]
    return out


async def ensure_app_role(conn: asyncpg.Connection, user: str, password: str) -> None:
    """Create (or correct) the login role the app uses: owns nothing, no BYPASSRLS, NOINHERIT (it may
    SET ROLE to the province role but never holds that role's policy by membership)."""
    exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", user)
    verb = "ALTER" if exists else "CREATE"
    sql = await conn.fetchval(
        "SELECT format('%s ROLE %I LOGIN PASSWORD %L NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT', "
        "$1::text, $2::text, $3::text)",
        verb,
        user,
        password,
    )
    await conn.execute(sql)


async def ensure_province_role(conn: asyncpg.Connection, role: str) -> None:
    """The read-only role a province-scope transaction switches to (``SET LOCAL ROLE``)."""
    exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
    verb = "ALTER" if exists else "CREATE"
    sql = await conn.fetchval(
        "SELECT format('%s ROLE %I NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE', $1::text, $2::text)",
        verb,
        role,
    )
    await conn.execute(sql)


async def secure_database(conn: asyncpg.Connection) -> list[str]:
    """Roles, grants and RLS policies; returns the tenant tables it covered."""
    settings = get_settings()
    user = settings.app_db_user
    await ensure_app_role(conn, user, settings.app_db_password)
    await ensure_province_role(conn, settings.province_db_role)
    ident = await conn.fetchval("SELECT quote_ident($1)", user)
    province = await conn.fetchval("SELECT quote_ident($1)", settings.province_db_role)
    dbname = await conn.fetchval("SELECT quote_ident(current_database())")
    owner = await conn.fetchval("SELECT quote_ident(current_user)")
    statements = [
        f"GRANT CONNECT ON DATABASE {dbname} TO {ident}",
        f"GRANT {province} TO {ident}",
        f"GRANT USAGE ON SCHEMA public TO {ident}, {province}",
        f"REVOKE CREATE ON SCHEMA public FROM {ident}, {province}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {ident}",
    ]
    names = [t._meta.tablename for t in tenant_tables()]
    for name in names:
        statements.append(f'GRANT SELECT, INSERT, UPDATE, DELETE ON "{name}" TO {ident}')
        statements.append(f'GRANT SELECT ON "{name}" TO {province}')
        statements.extend(policy_statements(name, province))
    statements.extend(identity_statements(ident, province, owner))
    async with conn.transaction():
        for sql in statements:
            await conn.execute(sql)
    return names


async def migrate() -> list[str]:
    """Apply Piccolo migrations, the keys generated from the tables (:mod:`pilotzone.tenancy.keys`)
    and the RLS contract, as the owner role."""
    with db.owner_role():
        conn = await db.DB.get_new_connection()
        try:
            if await CheckMigrationManager(app_name="all").havent_ran_count():
                await open_for_migrations(conn)
            response = await run_forwards(app_name="all")
            if not response.success:
                raise RuntimeError(f"migrations failed: {response.message}")
            await apply_keys(conn)
            return await secure_database(conn)
        finally:
            await conn.close()
