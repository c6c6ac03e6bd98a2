from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.auth.roles import PROVINCE_ROLES, TENANT_ROLES, in_sql
from pilotzone.db import DB

ID = "2026-12-05T07:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "roles: CHECK constraints from auth.roles.Role (tenant roles on memberships, province roles on users)"

STATEMENTS = [
    'ALTER TABLE "membership" DROP CONSTRAINT IF EXISTS "membership_role_code"',
    f'ALTER TABLE "membership" ADD CONSTRAINT "membership_role_code" CHECK ("role" IN ({in_sql(TENANT_ROLES)}))',
    'ALTER TABLE "pz_user" DROP CONSTRAINT IF EXISTS "pz_user_province_role_code"',
    'ALTER TABLE "pz_user" ADD CONSTRAINT "pz_user_province_role_code" '
    f'CHECK ("province_role" IS NULL OR "province_role" IN ({in_sql(PROVINCE_ROLES)}))',
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="auth", description=DESCRIPTION)

    async def role_codes() -> None:
        for statement in STATEMENTS:
            await DB.run_ddl(statement)

    manager.add_raw(role_codes)
    return manager
