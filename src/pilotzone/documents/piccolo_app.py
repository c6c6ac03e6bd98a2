from piccolo.conf.apps import AppConfig, table_finder

from pilotzone.settings import ROOT

APP_CONFIG = AppConfig(
    app_name="documents",
    migrations_folder_path=str(ROOT / "migrations" / "documents"),
    table_classes=table_finder(modules=["pilotzone.documents.tables"], exclude_imported=True),
    migration_dependencies=["pilotzone.tenancy.piccolo_app"],
    commands=[],
)
