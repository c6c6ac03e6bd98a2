"""The routes of this package, collected by ``pilotzone.app``."""

from pilotzone.trade.import_pages import TradeImportController
from pilotzone.trade.reconcile_pages import ReconciliationController
from pilotzone.trade.return_bureau import ReturnBureauController
from pilotzone.trade.return_pages import ReturnController

ROUTES = [ReturnController, ReturnBureauController, ReconciliationController, TradeImportController]
