"""What every factory shares: the tenant transaction it writes in, and unique values."""

from __future__ import annotations

import contextlib
import random
import uuid
from collections.abc import AsyncIterator

from pilotzone import db
from pilotzone.registry.talents import id_check_char
from pilotzone.registry.uscc import with_check
from pilotzone.tenancy.context import TenantContext, current_context, tenant_transaction
from pilotzone.tenancy.tables import Tenant

_ids: dict[str, int] = {}


async def tenant_id(slug: str) -> int:
    """The id of the tenant ``slug`` (tenants come from ``tenants/*.toml``; they never change in a session)."""
    if slug not in _ids:
        if db.DB.current_transaction.get() is None:
            async with db.transaction({"app.scope": "public"}):
                rows = await Tenant.select(Tenant.id, Tenant.slug)
        else:
            rows = await Tenant.select(Tenant.id, Tenant.slug)
        _ids.update({r["slug"]: r["id"] for r in rows})
    return _ids[slug]


@contextlib.asynccontextmanager
async def acting_in(slug: str) -> AsyncIterator[None]:
    """The tenant transaction a factory writes in, as the application role (RLS applies).

    Inside an open transaction of the same tenant the factory joins it (the caller commits); with
    none open it opens its own, so the row is committed when the factory returns. A transaction of
    another tenant is an error: a row is never written into a city the caller does not act for.
    """
    if db.DB.current_transaction.get() is not None:
        ctx = current_context()
        if ctx is None or ctx.slug != slug:
            raise RuntimeError(f"a factory for {slug!r} called inside a transaction of {ctx and ctx.slug!r}")
        yield
        return
    async with tenant_transaction(TenantContext(await tenant_id(slug), slug)):
        yield


def unique(prefix: str = "t") -> str:
    """``prefix`` and 8 random hex digits: names no other test (or earlier run) uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def new_uscc(district: str = "440101") -> str:
    """A valid unified social credit code (check digit) that no demo enterprise has."""
    return with_check(f"91{district}MA{random.randrange(10**7):07d}")  # noqa: S311


def new_resident_id(area: str = "440105") -> str:
    """A valid PRC resident ID number (check character), born on 1 January of 1960-2000."""
    first17 = f"{area}{random.randint(1960, 2000)}0101{random.randint(0, 999):03d}"  # noqa: S311
    return first17 + id_check_char(first17)
