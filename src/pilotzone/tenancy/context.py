"""The one tenant ContextVar and the transaction every entry point runs in.

Entry points (the HTTP middleware, the Dramatiq middleware, CLI commands) call
:func:`tenant_transaction`; nothing else sets the tenant. Code that needs a tenant and finds
none raises :class:`TenantRequired` (fail closed).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal, overload

from pilotzone import db
from pilotzone.settings import get_settings

Scope = Literal["tenant", "province", "public"]


class TenantRequired(RuntimeError):
    """Code that needs a tenant ran without one."""


@dataclass(frozen=True, slots=True)
class TenantContext:
    tenant_id: int | None
    slug: str | None = None
    scope: Scope = "tenant"
    user_id: int | None = None  # app.user_id: the caller's own memberships are visible in every tenant
    read_only: bool = False  # run as the read-only province role (provincial users; scope province)

    def __post_init__(self) -> None:
        if self.scope == "tenant" and self.tenant_id is None:
            raise TenantRequired("scope 'tenant' needs a tenant id")


_current: contextvars.ContextVar[TenantContext | None] = contextvars.ContextVar(
    "pilotzone_tenant", default=None
)


def current_context() -> TenantContext | None:
    return _current.get()


@overload
def current_tenant_id(required: Literal[True] = True) -> int: ...
@overload
def current_tenant_id(required: bool) -> int | None: ...
def current_tenant_id(required: bool = True) -> int | None:
    ctx = _current.get()
    if ctx is None or ctx.tenant_id is None:
        if required:
            raise TenantRequired("no tenant in context")
        return None
    return ctx.tenant_id


@contextlib.asynccontextmanager
async def tenant_transaction(ctx: TenantContext) -> AsyncIterator[TenantContext]:
    """Set the context and open the transaction with ``app.tenant_id`` and ``app.scope``."""
    token = _current.set(ctx)
    try:
        async with db.transaction(_config(ctx)):
            yield ctx
    finally:
        _current.reset(token)


def _config(ctx: TenantContext | None) -> dict[str, str]:
    if ctx is None:
        return {"app.tenant_id": "", "app.scope": "public", "app.user_id": ""}
    config = {
        "app.tenant_id": "" if ctx.tenant_id is None else str(ctx.tenant_id),
        "app.scope": ctx.scope,
        "app.user_id": "" if ctx.user_id is None else str(ctx.user_id),
    }
    if ctx.read_only or ctx.scope == "province":
        # the read-only role; only it has the cross-tenant read policy (SET LOCAL ROLE)
        config["role"] = get_settings().province_db_role
    return config


@contextlib.asynccontextmanager
async def switch_tenant(ctx: TenantContext) -> AsyncIterator[TenantContext]:
    """Act for ``ctx`` inside an already open transaction, then return to no tenant.

    Only for entry points that serve several tenants in one transaction (``tenants sync``).
    """
    await db.set_local(_config(ctx))
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
        await db.set_local(_config(None))
