"""Fixtures shared by the certification tests (a conftest is imported before the session's environment
is set: pilotzone, the factories and the steps are imported inside the fixtures)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import asyncpg
import pytest
from tests.support import demo


@pytest.fixture
async def arranged(owner: asyncpg.Connection, tenants: dict) -> AsyncIterator[dict]:
    """The guangzhou enterprise user's enterprise with a warehouse, a second user of that enterprise
    (``steps.SECOND``), and an application of another enterprise (outside the narrow demo roles' scope).
    Afterwards every application about the warehouse goes, with its documents."""
    from tests import factories
    from tests.integration.certification.steps import SECOND

    gz = tenants["guangzhou"]
    membership = await owner.fetchrow(
        'SELECT m.* FROM membership m JOIN pz_user u ON u.id = m."user" WHERE u.email = $1 AND m.tenant_id = $2',
        demo("enterprise", "guangzhou"),
        gz,
    )
    mine = membership["enterprise"]
    first = await owner.fetchrow("SELECT park, district_code FROM enterprise WHERE id = $1", mine)
    other = await owner.fetchrow(
        "SELECT id, park, district_code FROM enterprise WHERE tenant_id = $1 AND park <> $2 AND district_code <> $3 "
        "ORDER BY id LIMIT 1",
        gz,
        first["park"],
        first["district_code"],
    )
    warehouse = await factories.warehouse(
        "guangzhou",
        mine,
        country="DE",
        city="Hamburg",
        address="申报测试仓 Hafenstr. 1",
        floor_area=Decimal("5200"),
        services=["storage"],
        wms_integrated=True,
    )
    user, _ = await factories.member(
        "guangzhou",
        "enterprise_user",
        email=SECOND,
        display_name="第二位企业用户",
        district_code=membership["district_code"],
        park=membership["park"],
        enterprise=mine,
    )
    scheme = await factories.scheme("guangzhou", "overseas-warehouse")
    foreign = await factories.application(
        "guangzhou",
        scheme,
        "overseas_warehouse",
        0,  # no warehouse of the demo enterprise: a subject none of the tests' users may apply for
        subject_label="他企申报测试",
        applicant_enterprise=other["id"],
        applicant_park=other["park"],
        district_code=other["district_code"],
    )
    yield {"warehouse": warehouse.id, "enterprise": mine, "foreign": foreign.id}
    ours = (
        "SELECT id FROM submission WHERE kind = 'certification' "
        "AND (id = $2 OR subject_kind = 'overseas_warehouse' AND subject_id = $1)"
    )
    await owner.execute(
        f"DELETE FROM document WHERE owner_kind = 'application' AND owner_id IN ({ours})",  # noqa: S608
        warehouse.id,
        foreign.id,
    )
    # the submission goes with its application part, history, review steps, notice and objections
    await owner.execute(f"DELETE FROM submission WHERE id IN ({ours})", warehouse.id, foreign.id)  # noqa: S608
    await owner.execute("DELETE FROM overseas_warehouse WHERE id = $1", warehouse.id)
    await owner.execute("DELETE FROM pz_user WHERE id = $1", user.id)


@pytest.fixture
async def certified_cleanup(owner: asyncpg.Connection, arranged: dict) -> AsyncIterator[dict]:
    """``arranged``, and afterwards the certificates issued for its warehouse: they restrict deleting
    their application, so they go before ``arranged`` cleans up."""
    yield arranged
    # a certificate restricts deleting its PDF too: certificates first, then their documents
    ids = await owner.fetchval(
        "SELECT array_agg(c.id) FROM certificate c JOIN submission s ON s.id = c.application WHERE s.subject_id = $1",
        arranged["warehouse"],
    )
    # renewal applications point at the certificate they renew: unlink them first
    await owner.execute("UPDATE application SET renews = NULL WHERE renews = ANY($1::int[])", ids or [])
    await owner.execute("DELETE FROM certificate WHERE id = ANY($1::int[])", ids or [])
    await owner.execute(
        "DELETE FROM document WHERE owner_kind = 'certificate' AND owner_id = ANY($1::int[])", ids or []
    )
