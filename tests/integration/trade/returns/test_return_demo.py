"""The demo's monthly returns (seeded at the session's start, ``pilotzone.demo_work.returns``): a year of
accepted months with their figures of source ``return``, and for the last ended month one return of
each open state; enterprises late and never filed for the compliance page."""

from __future__ import annotations

import asyncpg
import pytest
from tests.integration.trade.returns.steps import months_ago


@pytest.mark.parametrize("slug", ["guangzhou", "foshan"])
async def test_returns_wait_in_the_demo(owner: asyncpg.Connection, tenants: dict, slug: str) -> None:
    tenant = tenants[slug]
    states = dict(
        await owner.fetch(
            """SELECT s.status, count(*) FROM trade_return r JOIN submission s ON s.id = r.id
                WHERE r.tenant_id = $1 AND r.period = $2 GROUP BY 1""",
            tenant,
            months_ago(0),
        )
    )
    assert {"submitted", "returned", "draft", "accepted"} <= set(states), states
    accepted = await owner.fetchval(
        """SELECT count(*) FROM trade_return r JOIN submission s ON s.id = r.id
            WHERE r.tenant_id = $1 AND s.status = 'accepted' AND r.period < $2""",
        tenant,
        months_ago(0),
    )
    assert accepted >= 100
    figures = await owner.fetchval(
        "SELECT count(DISTINCT period) FROM trade_figure WHERE tenant_id = $1 AND source = 'return'", tenant
    )
    assert figures >= 11
    late = await owner.fetchval(
        "SELECT count(*) FROM trade_return WHERE tenant_id = $1 AND period = $2 AND late", tenant, months_ago(1)
    )
    assert late >= 2
    never = await owner.fetchval(
        """SELECT count(*) FROM enterprise e WHERE e.tenant_id = $1 AND e.status = 'active' AND e.uscc LIKE '________DW%'
            AND NOT EXISTS (SELECT 1 FROM trade_return r WHERE r.enterprise = e.id)""",
        tenant,
    )
    assert never >= 2
    reasons = await owner.fetchval(
        """SELECT count(*) FROM review_step k JOIN submission s ON s.id = k.submission
            WHERE s.tenant_id = $1 AND s.kind = 'trade_return' AND k.decision = 'return'""",
        tenant,
    )
    assert reasons >= 1
