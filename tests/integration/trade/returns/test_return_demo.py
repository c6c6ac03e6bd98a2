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


async def test_the_enterprise_file_lists_its_returns(owner: asyncpg.Connection, tenants: dict, admin_gz, as_user) -> None:  # type: ignore[no-untyped-def]
    """一企一档: the enterprise's returns with state, deadline and lateness; the month links to the return
    for the bureau (who may open it), not for provincial staff (who may not)."""
    from tests.support import demo

    late = await owner.fetchrow(
        "SELECT r.id, r.enterprise, r.period FROM trade_return r WHERE r.tenant_id = $1 AND r.period = $2 AND r.late "
        "ORDER BY r.id LIMIT 1",
        tenants["guangzhou"],
        months_ago(1),
    )
    path = f"/z/guangzhou/dossier/enterprises/{late['enterprise']}"
    month = late["period"].strftime("%Y-%m")
    page = await admin_gz.get(path)
    assert page.status_code == 200
    section = page.text.split('id="returns-heading"', 1)[1].split("</section>", 1)[0]
    assert f'<a href="/z/guangzhou/returns/{late["id"]}">{month}</a>' in section
    row = section.split(f">{month}</a>", 1)[1].split("</tr>", 1)[0]
    assert "逾期报送" in row and "late" not in row  # the label, not the code
    async with as_user(demo("province-viewer")) as province:
        read = await province.get(path)
        assert read.status_code == 200
        section = read.text.split('id="returns-heading"', 1)[1].split("</section>", 1)[0]
        assert f"<td>{month}</td>" in section and "/returns/" not in section
