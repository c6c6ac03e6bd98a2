"""The request's tenant as a Litestar dependency: a handler under ``/z/{slug}`` that declares
``tenant: TenantInfo`` gets the pilot zone the tenancy middleware resolved (id, slug, names, branding),
the one whose transaction (``app.tenant_id``, RLS) the request runs in. Nothing is looked up again.

A handler outside a tenant that asks for it fails closed (:class:`TenantRequired`, a server error: a
programming mistake, never a user's). Registered app-wide by the composition root (``pilotzone.app``).
"""

from __future__ import annotations

from typing import TypeAlias

from litestar import Request
from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from pilotzone.tenancy.context import TenantRequired
from pilotzone.tenancy.middleware import TenantInfo


def provide_tenant(request: Request) -> TenantInfo:
    info = request.scope.get("state", {}).get("tenant")
    if not isinstance(info, TenantInfo):
        raise TenantRequired(f"{request.scope['path']} runs outside a pilot zone")
    return info


DEPENDENCIES = {"tenant": Provide(provide_tenant, sync_to_thread=False)}

# ``tenant: CurrentTenant`` in a handler's signature: named explicitly (Litestar 3 drops inferred
# dependencies) and not validated again (the middleware resolved it)
CurrentTenant: TypeAlias = NamedDependency[SkipValidation[TenantInfo]]
