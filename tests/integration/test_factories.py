"""The factories write as the application role in the tenant's transaction: their rows belong to the
tenant they name, RLS hides them from another, and a factory never writes into a transaction of
another tenant."""

from __future__ import annotations

import asyncpg
import pytest
from tests import factories

from pilotzone.registry.tables import Enterprise, Talent
from pilotzone.tenancy.context import TenantContext, tenant_transaction


async def test_rows_belong_to_the_named_tenant_and_rls_hides_them(
    owner: asyncpg.Connection, tenants: dict
) -> None:
    enterprise = await factories.enterprise("guangzhou", name="测试工厂企业")
    try:
        talent = await factories.talent("guangzhou", enterprise.id, name="测试工厂人才")
        assert (
            await owner.fetchval("SELECT tenant_id FROM enterprise WHERE id = $1", enterprise.id)
            == (tenants["guangzhou"])
        )
        assert await owner.fetchval("SELECT status FROM talent WHERE id = $1", talent.id) == "active"
        async with tenant_transaction(TenantContext(tenants["foshan"], "foshan")):
            assert await Enterprise.count().where(Enterprise.id == enterprise.id) == 0
            assert await Talent.count().where(Talent.id == talent.id) == 0
        async with tenant_transaction(TenantContext(tenants["guangzhou"], "guangzhou")):
            assert await Talent.count().where(Talent.employer == enterprise.id) == 1
    finally:
        await owner.execute("DELETE FROM talent WHERE employer = $1", enterprise.id)
        await owner.execute("DELETE FROM enterprise WHERE id = $1", enterprise.id)


async def test_factories_share_the_open_transaction_of_their_tenant_only(
    owner: asyncpg.Connection, tenants: dict
) -> None:
    name = factories.unique("测试工厂回滚")
    with pytest.raises(RuntimeError, match="another|transaction of"):
        async with tenant_transaction(TenantContext(tenants["foshan"], "foshan")):
            await factories.enterprise("guangzhou", name=name)
    with pytest.raises(ZeroDivisionError):
        async with factories.acting_in("guangzhou"):
            await factories.enterprise("guangzhou", name=name)
            1 / 0  # noqa: B018 - the shared transaction rolls back, the row with it
    assert await owner.fetchval("SELECT count(*) FROM enterprise WHERE name = $1", name) == 0


async def test_a_member_signs_in_with_the_test_password(app, owner: asyncpg.Connection) -> None:
    from litestar.testing import AsyncTestClient
    from tests.support import sign_in

    user, membership = await factories.member("foshan", "bureau_reviewer", display_name="测试工厂审核员")
    try:
        async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
            await sign_in(client, user.email)
            assert (await client.get("/z/foshan/")).status_code == 200
    finally:
        await owner.execute('DELETE FROM pz_session WHERE "user" = $1', user.id)
        await owner.execute("DELETE FROM membership WHERE id = $1", membership.id)
        await owner.execute("DELETE FROM pz_user WHERE id = $1", user.id)
