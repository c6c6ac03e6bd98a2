"""The routes of this package, collected by ``pilotzone.app``."""

from pilotzone.documents.controllers import DocumentController

ROUTES = [DocumentController]
