from piccolo.conf.apps import AppConfig, table_finder

from pilotzone.settings import ROOT

APP_CONFIG = AppConfig(
    app_name="funding",
    migrations_folder_path=str(ROOT / "migrations" / "funding"),
    table_classes=table_finder(
        modules=["pilotzone.funding.tables", "pilotzone.funding.application_tables"], exclude_imported=True
    ),
    migration_dependencies=[
        "pilotzone.tenancy.piccolo_app",
        "pilotzone.registry.piccolo_app",
        "pilotzone.jobs.piccolo_app",
        "pilotzone.auth.piccolo_app",
        "pilotzone.workflow.piccolo_app",
    ],
    commands=[],
)
