"""The routes of this package, collected by ``pilotzone.app``."""

from pilotzone.trade.reconcile_pages import ReconciliationController

ROUTES = [ReconciliationController]
