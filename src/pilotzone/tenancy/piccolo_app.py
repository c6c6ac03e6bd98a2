from piccolo.conf.apps import AppConfig, table_finder

from pilotzone.settings import ROOT

APP_CONFIG = AppConfig(
    app_name="tenancy",
    migrations_folder_path=str(ROOT / "migrations" / "tenancy"),
    table_classes=table_finder(
        modules=["pilotzone.tenancy.tables"], exclude_imported=True, exclude_tags=["abstract"]
    ),
    migration_dependencies=[],
    commands=[],
)
