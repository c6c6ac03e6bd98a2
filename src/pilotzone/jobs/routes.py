"""The routes of this package, collected by ``pilotzone.app``."""

from pilotzone.jobs.controllers import JobRunController

ROUTES = [JobRunController]
