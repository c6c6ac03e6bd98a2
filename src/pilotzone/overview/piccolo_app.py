from piccolo.conf.apps import AppConfig, table_finder

from pilotzone.settings import ROOT

APP_CONFIG = AppConfig(
    app_name="overview",
    migrations_folder_path=str(ROOT / "migrations" / "overview"),
    table_classes=table_finder(modules=["pilotzone.overview.tables"], exclude_imported=True),
    migration_dependencies=[
        "pilotzone.tenancy.piccolo_app",
        "pilotzone.certification.piccolo_app",
        "pilotzone.funding.piccolo_app",
        "pilotzone.jobs.piccolo_app",
        "pilotzone.documents.piccolo_app",
    ],
    commands=[],
)
