from piccolo.conf.apps import AppConfig, table_finder

from pilotzone.settings import ROOT

APP_CONFIG = AppConfig(
    app_name="jobs",
    migrations_folder_path=str(ROOT / "migrations" / "jobs"),
    table_classes=table_finder(modules=["pilotzone.jobs.tables"], exclude_imported=True),
    migration_dependencies=["pilotzone.tenancy.piccolo_app"],
    commands=[],
)
