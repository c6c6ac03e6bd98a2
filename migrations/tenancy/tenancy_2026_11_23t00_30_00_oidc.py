from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSONB
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-23T00:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "tenant.oidc: the city's own OpenID providers, from [[oidc]] in tenants/<slug>.toml"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tenancy", description=DESCRIPTION)

    manager.add_column(
        table_class_name="Tenant",
        tablename="tenant",
        column_name="oidc",
        db_column_name="oidc",
        column_class_name="JSONB",
        column_class=JSONB,
        params={
            "default": "[]",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
