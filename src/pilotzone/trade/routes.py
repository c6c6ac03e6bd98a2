"""The routes of this package, collected by ``pilotzone.app``."""

from pilotzone.trade.import_pages import TradeImportController

ROUTES = [TradeImportController]
