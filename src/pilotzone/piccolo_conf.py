"""Piccolo configuration: the engine from db.py and one app per domain package."""

from piccolo.conf.apps import AppRegistry

from pilotzone.db import DB

APP_REGISTRY = AppRegistry(
    apps=[
        "pilotzone.tenancy.piccolo_app",
        "pilotzone.registry.piccolo_app",
        "pilotzone.documents.piccolo_app",
        "pilotzone.jobs.piccolo_app",
        "pilotzone.auth.piccolo_app",
        "pilotzone.api.piccolo_app",
        "pilotzone.workflow.piccolo_app",
        "pilotzone.certification.piccolo_app",
        "pilotzone.funding.piccolo_app",
        "pilotzone.overview.piccolo_app",
        "pilotzone.notify.piccolo_app",
        "pilotzone.trade.piccolo_app",
    ]
)

__all__ = ["DB", "APP_REGISTRY"]
