"""Who calls the machine API: the client (from its bearer token and its row), and what a route needs."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass
from typing import Any, TypeAlias

from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from pilotzone.api.codes import Scope
from pilotzone.api.problems import ApiProblem
from pilotzone.auth import audit
from pilotzone.auth.guards import PUBLIC, allow


@dataclass(frozen=True, slots=True)
class ApiClient:
    """The principal of a machine request: the client row's id, its public id and name, its tenant and
    the scopes both its token and its row grant."""

    id: int
    client_id: str
    name: str
    tenant_id: int
    slug: str
    scopes: frozenset[Scope]

    @property
    def label(self) -> str:
        """How the audit trail names it."""
        return f"API: {self.name} ({self.client_id})"


_current: contextvars.ContextVar[ApiClient | None] = contextvars.ContextVar("pilotzone_api_client", default=None)


def current_client() -> ApiClient | None:
    return _current.get()


def set_client(client: ApiClient | None) -> contextvars.Token[ApiClient | None]:
    return _current.set(client)


def reset_client(token: contextvars.Token[ApiClient | None]) -> None:
    _current.reset(token)


def needs(scope: Scope | None) -> dict[str, Any]:
    """A machine route's ``opt``: the scope its bearer token must carry (None: public, no token).
    The app-level access guard sees a public route; the API middleware enforces the scope."""
    return {**allow(PUBLIC), "api_scope": scope, "api_public": scope is None}


async def _provide_client(request: ASGIConnection) -> ApiClient:
    client = current_client()
    if client is None:
        raise ApiProblem(401, "A bearer token is required.", headers={"WWW-Authenticate": 'Bearer realm="pilotzone"'})
    return client


DEPENDENCIES = {"api_client": Provide(_provide_client)}

# ``api_client: CurrentClient`` in a machine handler's signature (named explicitly, not validated again)
CurrentClient: TypeAlias = NamedDependency[SkipValidation[ApiClient]]


async def record(action: str, object_type: str, object_id: object, before: Any = None, after: Any = None,
                 note: str = "") -> int:
    """The audit row of a write by the calling client (actor = the client, no user)."""
    client = current_client()
    if client is None:
        raise RuntimeError("an API write is audited inside an authenticated API request")
    return await audit.record(action, object_type, object_id, before=before, after=after, note=note,
                              actor=client.label)
