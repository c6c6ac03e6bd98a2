from piccolo.conf.apps import AppConfig, table_finder

from pilotzone.settings import ROOT

APP_CONFIG = AppConfig(
    app_name="workflow",
    migrations_folder_path=str(ROOT / "migrations" / "workflow"),
    table_classes=table_finder(modules=["pilotzone.workflow.tables"], exclude_imported=True),
    migration_dependencies=[
        "pilotzone.tenancy.piccolo_app",
        "pilotzone.registry.piccolo_app",
        "pilotzone.auth.piccolo_app",
    ],
    commands=[],
)
