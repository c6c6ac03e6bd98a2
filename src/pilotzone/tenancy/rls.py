"""Row-level security: the application role, grants and policies on every tenant table.

Run by ``pilotzone migrate`` as the owner role after the Piccolo migrations. Idempotent: policies
are dropped and re-created, so a changed policy text reaches every table on the next migrate.
"""

from __future__ import annotations

import asyncpg

from pilotzone import db
from pilotzone.settings import get_settings
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
# global identity tables: grants only (no tenant column); sessions are looked up before any tenant is set
GLOBAL_GRANTS = {
    "pz_user": "SELECT, INSERT, UPDATE",
    "user_identity": "SELECT, INSERT, DELETE",
    "pz_session": "SELECT, INSERT, UPDATE, DELETE",
    "login_failure": "SELECT, INSERT, DELETE",
    "one_time_token": "SELECT, INSERT, UPDATE",
}


def identity_statements(app: str, province: str) -> list[str]:
    """Membership: a user reads their own memberships in every tenant (to pick one). Audit log:
    append-only for the app (INSERT, SELECT; no UPDATE/DELETE), rows of the tenant in context,
    every row for the province role; ENABLEd but not FORCEd so that ``audit_append()`` (owner's
    rights) reads each chain whole."""
    out = [f'GRANT {privileges} ON "{table}" TO {app}' for table, privileges in GLOBAL_GRANTS.items()]
    out += [
        f'GRANT SELECT ON "pz_user", "one_time_token" TO {province}',
        'DROP POLICY IF EXISTS pz_own_memberships ON "membership"',
        f'CREATE POLICY pz_own_memberships ON "membership" FOR SELECT USING ("user" = {USER_EXPR})',
        'ALTER TABLE "audit_log" ENABLE ROW LEVEL SECURITY',
        'ALTER TABLE "audit_log" NO FORCE ROW LEVEL SECURITY',
        f'REVOKE ALL ON "audit_log" FROM {app}, {province}',
        f'GRANT SELECT, INSERT ON "audit_log" TO {app}',
        f'GRANT SELECT ON "audit_log" TO {province}',
        'DROP POLICY IF EXISTS pz_audit_tenant ON "audit_log"',
        f'CREATE POLICY pz_audit_tenant ON "audit_log" FOR SELECT USING (tenant_id = {TENANT_EXPR.split(" = ", 1)[1]})',
        'DROP POLICY IF EXISTS pz_audit_province ON "audit_log"',
        f'CREATE POLICY pz_audit_province ON "audit_log" FOR SELECT TO {province} USING ({PROVINCE_EXPR})',
        'DROP POLICY IF EXISTS pz_audit_insert ON "audit_log"',
        'CREATE POLICY pz_audit_insert ON "audit_log" FOR INSERT WITH CHECK '
        f"(tenant_id IS NULL OR tenant_id = {TENANT_EXPR.split(' = ', 1)[1]})",
        "REVOKE ALL ON FUNCTION audit_append(int, int, text, text, text, text, jsonb, jsonb, text, text, text) FROM PUBLIC",
        "GRANT EXECUTE ON FUNCTION audit_append(int, int, text, text, text, text, jsonb, jsonb, text, text, text) "
        f"TO {app}",
        "REVOKE ALL ON FUNCTION pz_session_principal(text) FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION pz_session_principal(text) TO {app}",
        "REVOKE ALL ON FUNCTION pz_verify_certificate(text) FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION pz_verify_certificate(text) TO {app}",
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
    statements = [
        f"GRANT CONNECT ON DATABASE {dbname} TO {ident}",
        f"GRANT {province} TO {ident}",
        f"GRANT USAGE ON SCHEMA public TO {ident}, {province}",
        f"REVOKE CREATE ON SCHEMA public FROM {ident}, {province}",
        f'GRANT SELECT, INSERT, UPDATE ON "{Tenant._meta.tablename}" TO {ident}',
        f'GRANT SELECT ON "{Tenant._meta.tablename}" TO {province}',
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {ident}",
    ]
    names = [t._meta.tablename for t in tenant_tables()]
    for name in names:
        statements.append(f'GRANT SELECT, INSERT, UPDATE, DELETE ON "{name}" TO {ident}')
        statements.append(f'GRANT SELECT ON "{name}" TO {province}')
        statements.extend(policy_statements(name, province))
    statements.extend(identity_statements(ident, province))
    async with conn.transaction():
        for sql in statements:
            await conn.execute(sql)
    return names


async def migrate() -> list[str]:
    """Apply Piccolo migrations and the RLS contract, as the owner role."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    with db.owner_role():
        response = await run_forwards(app_name="all")
        if not response.success:
            raise RuntimeError(f"migrations failed: {response.message}")
        conn = await db.DB.get_new_connection()
        try:
            return await secure_database(conn)
        finally:
            await conn.close()
