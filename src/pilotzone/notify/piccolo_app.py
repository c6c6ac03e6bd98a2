from piccolo.conf.apps import AppConfig, table_finder

from pilotzone.settings import ROOT

APP_CONFIG = AppConfig(
    app_name="notify",
    migrations_folder_path=str(ROOT / "migrations" / "notify"),
    table_classes=table_finder(modules=["pilotzone.notify.tables"], exclude_imported=True),
    migration_dependencies=["pilotzone.tenancy.piccolo_app", "pilotzone.auth.piccolo_app"],
    commands=[],
)
