"""The demo's official trade figures: a year and the year before for the active enterprises of the demo
cities, one official batch labelled like an import file, plausible (mostly exports, a November peak,
growth year on year) and the same every time they are generated."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import asyncpg
from tests.support import demo

from pilotzone.demo_work import trade

CITIES = ("guangzhou", "foshan")


async def test_a_year_of_plausible_official_figures(owner: asyncpg.Connection, tenants: dict) -> None:
    for slug in CITIES:
        batch = await owner.fetchrow(
            "SELECT id, rows, inserted, status FROM trade_batch WHERE tenant_id = $1 AND source = 'official' "
            "AND label LIKE $2",
            tenants[slug],
            f"单一窗口统计数据_{slug}_%.xlsx",
        )
        assert batch is not None and batch["status"] == "done" and batch["rows"] == batch["inserted"] > 0, slug
        rows = await owner.fetch(
            "SELECT f.period, f.mode, f.direction, sum(f.value_cny) AS value, count(DISTINCT f.enterprise) AS n "
            "FROM trade_figure f WHERE f.tenant_id = $1 AND f.source = 'official' AND f.period = ANY($2::date[]) "
            "GROUP BY 1, 2, 3",
            tenants[slug],
            trade.months(),
        )
        assert {r["period"] for r in rows} == set(trade.months()), slug  # every one of the 24 months
        by_key: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        by_month: dict[date, Decimal] = defaultdict(Decimal)
        for r in rows:
            by_key[(r["mode"], r["direction"])] += r["value"]
            by_month[r["period"]] += r["value"]
        total = sum(by_key.values(), Decimal(0))
        exported = sum((v for (_m, d), v in by_key.items() if d == "export"), Decimal(0))
        assert exported / total > Decimal("0.8"), slug  # mostly exports
        assert max(by_key, key=lambda k: by_key[k]) == ("9610", "export"), slug
        months = trade.months()
        last, before = sum(by_month[m] for m in months[12:]), sum(by_month[m] for m in months[:12])
        assert Decimal("1.05") < last / before < Decimal("1.30"), (slug, last / before)  # about 15 % growth
        for m in months:
            if m.month == 11 and date(m.year, 10, 1) in by_month:
                assert by_month[m] > by_month[date(m.year, 10, 1)], (slug, m)  # the November peak


def test_the_figures_are_deterministic() -> None:
    enterprises = [(1, "91440101MA0000001X"), (2, "91440101MA0000002X")]
    today = date(2026, 12, 5)
    first = trade.figures("guangzhou", enterprises, today)
    # each enterprise's figures come from its own seed (city, credit code, month): generated alone, or
    # after the other enterprise, they are the same rows
    alone = trade.figures("guangzhou", enterprises[1:], today)
    assert alone == [r for r in first if r.enterprise == 2] and len(first) > 2 * 24
    assert {r.period for r in first} == set(trade.months(today)) and trade.months(today)[-1] == date(2026, 11, 1)
    assert trade.figures("foshan", enterprises, today) != first  # each city its own


async def test_the_machine_api_has_its_demo_clients(owner: asyncpg.Connection, tenants: dict) -> None:
    """接口客户端 is not empty in the demo: the clients made by the city's admin, one of them revoked,
    each with its creation in the audit log."""
    from pilotzone.demo_work.api_clients import CLIENTS

    for slug in CITIES:
        rows = await owner.fetch(
            "SELECT c.id, c.name, c.scopes, c.revoked_at IS NOT NULL AS revoked, u.email FROM api_client c "
            "JOIN pz_user u ON u.id = c.created_by WHERE c.tenant_id = $1 AND c.name LIKE '%（演示%' ORDER BY c.id",
            tenants[slug],
        )
        assert [(r["name"], tuple(r["scopes"]), r["revoked"]) for r in rows] == [
            (name, tuple(s.value for s in scopes), revoked) for name, scopes, revoked in CLIENTS
        ], slug
        assert {r["email"] for r in rows} == {demo("admin", slug)}, slug
        audited = await owner.fetchval(
            "SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND object_type = 'api_client' "
            "AND object_id = ANY($2::text[])",
            tenants[slug],
            [str(r["id"]) for r in rows],
        )
        assert audited == len(CLIENTS) + 1, slug  # three made, one revoked
