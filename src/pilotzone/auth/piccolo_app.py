from piccolo.conf.apps import AppConfig, table_finder

from pilotzone.settings import ROOT

APP_CONFIG = AppConfig(
    app_name="auth",
    migrations_folder_path=str(ROOT / "migrations" / "auth"),
    table_classes=table_finder(modules=["pilotzone.auth.tables"], exclude_imported=True),
    migration_dependencies=["pilotzone.tenancy.piccolo_app", "pilotzone.registry.piccolo_app"],
    commands=[],
)
