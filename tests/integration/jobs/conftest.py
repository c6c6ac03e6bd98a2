"""Fixtures of the job tests. (A conftest is imported before the session's environment is set:
pilotzone and the factories are imported inside the fixtures.)"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest


async def _lost(*args: object, **kwargs: object) -> bool:
    """The after-commit send of a process that died right after its commit: nothing reaches the broker."""
    return True


@pytest.fixture
def unsent_run() -> Callable[[str], Awaitable[int]]:
    """``await unsent_run(slug)``: a snapshot run recorded and committed in that tenant whose message
    never left (the process died between commit and send); its id."""

    from tests.factories import tenant_id

    from pilotzone.jobs import services
    from pilotzone.jobs.services import start_run
    from pilotzone.tenancy.context import TenantContext, tenant_transaction
    from pilotzone.tenancy.tables import tenant_tables

    async def record(slug: str) -> int:
        original = services._deliver
        services._deliver = _lost  # type: ignore[assignment]  # committed, then the process died
        try:
            async with tenant_transaction(TenantContext(await tenant_id(slug), slug)):
                run = await start_run("tenant_snapshot", total=len(tenant_tables()))
        finally:
            services._deliver = original
        return run.id

    return record
