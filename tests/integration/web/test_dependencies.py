"""The principal and the tenant reach handlers by dependency injection: the guard's principal and the
tenant whose transaction (RLS) the request runs in; a handler outside a pilot zone that asks for the
tenant fails closed."""

from __future__ import annotations

import pytest
from litestar import get
from litestar.testing import AsyncTestClient
from tests.conftest import demo, sign_in

from pilotzone import db
from pilotzone.app import create_app
from pilotzone.auth.dependencies import CurrentPrincipal
from pilotzone.auth.guards import MEMBERS, PUBLIC, allow
from pilotzone.tenancy.dependencies import CurrentTenant


@get("/z/{slug:str}/__test/who", opt=allow(MEMBERS))
async def who(principal: CurrentPrincipal, tenant: CurrentTenant) -> dict:
    in_transaction = await db.fetch("SELECT current_setting('app.tenant_id', true) AS t")
    return {
        "role": principal.role,
        "email": principal.label,
        "slug": tenant.slug,
        "id": tenant.id,
        "rls_tenant": in_transaction[0]["t"],
    }


@get("/__test/tenantless", opt=allow(PUBLIC))
async def tenantless(tenant: CurrentTenant) -> dict:
    return {"slug": tenant.slug}


@pytest.fixture(scope="module")
async def probe():  # type: ignore[no-untyped-def]
    async with AsyncTestClient(
        app=create_app(extra_routes=[who, tenantless]), base_url="http://testserver.local"
    ) as client:
        yield client


async def test_handlers_get_the_guards_principal_and_the_requests_tenant(probe, tenants: dict) -> None:
    await sign_in(probe, demo("admin", "guangzhou"))
    answer = await probe.get("/z/guangzhou/__test/who")
    assert answer.status_code == 200
    assert answer.json() == {
        "role": "bureau_admin",
        "email": demo("admin", "guangzhou"),
        "slug": "guangzhou",
        "id": tenants["guangzhou"],
        "rls_tenant": str(tenants["guangzhou"]),  # the same tenant the transaction is scoped to
    }
    elsewhere = await probe.get("/z/foshan/__test/who")  # no membership in foshan: the guard refuses
    assert elsewhere.status_code == 403


async def test_a_handler_outside_a_pilot_zone_gets_no_tenant(probe) -> None:
    response = await probe.get("/__test/tenantless")
    assert response.status_code == 500 and "<html" in response.text  # the error page, no tenant
