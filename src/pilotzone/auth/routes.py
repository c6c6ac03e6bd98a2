"""The routes of this package, collected by ``pilotzone.app``."""

from pilotzone.auth.admin_controllers import ProvinceAdminController, TenantAdminController
from pilotzone.auth.audit_controllers import ProvinceAuditController, TenantAuditController
from pilotzone.auth.controllers import AuthController
from pilotzone.auth.oidc_controllers import OIDCController

ROUTES = [
    AuthController,
    TenantAdminController,
    ProvinceAdminController,
    OIDCController,
    TenantAuditController,
    ProvinceAuditController,
]
