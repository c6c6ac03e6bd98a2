"""The principal as a Litestar dependency: a handler that declares ``principal: Principal`` gets the
caller the access guard loaded (``check_access`` runs before the handler and puts it on the request).

Registered app-wide by the composition root (``pilotzone.app``): ``dependencies=DEPENDENCIES``.
"""

from __future__ import annotations

from typing import TypeAlias

from litestar import Request
from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from pilotzone.auth.principal import Principal, current_principal


def provide_principal(request: Request) -> Principal:
    """The guard's principal (every route has the guard; the ContextVar is the same object)."""
    principal = request.scope.get("principal")
    return principal if isinstance(principal, Principal) else current_principal()


DEPENDENCIES = {"principal": Provide(provide_principal, sync_to_thread=False)}

# ``principal: CurrentPrincipal`` in a handler's signature: named explicitly (Litestar 3 drops inferred
# dependencies) and not validated again (the guard built it)
CurrentPrincipal: TypeAlias = NamedDependency[SkipValidation[Principal]]
