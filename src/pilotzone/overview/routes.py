"""The routes of this package, collected by ``pilotzone.app``."""

from pilotzone.overview.controllers import ProvinceController, TenantDashboardController

ROUTES = [ProvinceController, TenantDashboardController]
