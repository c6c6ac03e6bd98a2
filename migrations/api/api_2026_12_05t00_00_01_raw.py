"""Api: what Piccolo cannot declare: the CHECK that every granted scope is a known one
(``pilotzone.api.codes.Scope``). Keys of the tenant tables are declared on them."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.api.codes import Scope
from pilotzone.db import DB

ID = "2026-12-05T00:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "api clients: CHECK on the scopes from api.codes.Scope"

STATEMENTS = [
    'ALTER TABLE "api_client" DROP CONSTRAINT IF EXISTS "api_client_scopes_code"',
    'ALTER TABLE "api_client" ADD CONSTRAINT "api_client_scopes_code" CHECK '
    f'(cardinality("scopes") > 0 AND "scopes" <@ ARRAY[{Scope.sql_list()}]::varchar[])',
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="api", description=DESCRIPTION)

    async def api_codes() -> None:
        for statement in STATEMENTS:
            await DB.run_ddl(statement)

    manager.add_raw(api_codes)
    return manager
