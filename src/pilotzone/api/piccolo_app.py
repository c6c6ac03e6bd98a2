from piccolo.conf.apps import AppConfig, table_finder

from pilotzone.settings import ROOT

APP_CONFIG = AppConfig(
    app_name="api",
    migrations_folder_path=str(ROOT / "migrations" / "api"),
    table_classes=table_finder(modules=["pilotzone.api.tables"], exclude_imported=True),
    migration_dependencies=["pilotzone.tenancy.piccolo_app", "pilotzone.auth.piccolo_app"],
    commands=[],
)
