"""Accepting a return reconciles its month at once: the gap against the official figure is flagged."""

from __future__ import annotations

from decimal import Decimal

import asyncpg
from tests import factories
from tests.integration.trade.returns.steps import GZ, US_9610, form, months_ago, start

from pilotzone.trade.codes import Source
from pilotzone.trade.return_dates import period_text


async def test_an_accepted_return_is_reconciled(firm, admin_gz, owner: asyncpg.Connection) -> None:  # type: ignore[no-untyped-def]
    period = months_ago(1)
    await factories.trade_figures(
        "guangzhou", Source.OFFICIAL, [(firm.uscc, period_text(period), "9610", "export", "US", "10000")]
    )
    rid = await start(firm.client, period)
    sent = await firm.client.post(f"{GZ}/returns/{rid}/submit", data=form(US_9610), follow_redirects=False)
    assert sent.status_code == 303, sent.text[:300]
    assert await owner.fetchval("SELECT count(*) FROM trade_gap WHERE enterprise = $1", firm.id) == 0
    accepted = await admin_gz.post(f"{GZ}/returns/{rid}/accept", follow_redirects=False)
    assert accepted.status_code == 303
    gap = await owner.fetchrow("SELECT period, mode, declared, official, gap, status FROM trade_gap WHERE enterprise = $1", firm.id)
    assert tuple(gap) == (period, "9610", Decimal("12345.67"), Decimal("10000.00"), Decimal("2345.67"), "open")
