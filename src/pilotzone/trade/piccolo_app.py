from piccolo.conf.apps import AppConfig, table_finder

from pilotzone.settings import ROOT

APP_CONFIG = AppConfig(
    app_name="trade",
    migrations_folder_path=str(ROOT / "migrations" / "trade"),
    table_classes=table_finder(modules=["pilotzone.trade.tables"], exclude_imported=True),
    migration_dependencies=[
        "pilotzone.tenancy.piccolo_app",
        "pilotzone.auth.piccolo_app",
        "pilotzone.registry.piccolo_app",
        "pilotzone.workflow.piccolo_app",
        "pilotzone.api.piccolo_app",  # trade_batch.client, warehouse_operation.client (Refs)
    ],
    commands=[],
)
