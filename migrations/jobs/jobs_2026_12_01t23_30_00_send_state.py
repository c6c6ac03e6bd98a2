from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text, Timestamptz
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-01T23:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "job runs: the message owed since (send_due) and the last send error"


def _params(default: object, null: bool) -> dict:
    return {
        "default": default,
        "null": null,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="jobs", description=DESCRIPTION)
    manager.add_column(
        table_class_name="JobRun",
        tablename="job_run",
        column_name="send_due",
        db_column_name="send_due",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params=_params(None, True),
        schema=None,
    )
    manager.add_column(
        table_class_name="JobRun",
        tablename="job_run",
        column_name="send_error",
        db_column_name="send_error",
        column_class_name="Text",
        column_class=Text,
        params=_params("", False),
        schema=None,
    )
    return manager
