"""The bureau's reconciliation page: both numbers, the gap in 元 and %, the enterprise's file linked,
filters, explaining a flag (audited), and who may."""

from __future__ import annotations

from datetime import date

import asyncpg
import pytest
from tests import factories
from tests.support import demo

from pilotzone.trade.codes import Source
from pilotzone.trade.reconcile import reconcile

BASE = "/z/guangzhou/trade/reconciliation/"


@pytest.fixture
async def flagged(owner: asyncpg.Connection) -> dict:
    ent = await factories.enterprise("guangzhou", name=factories.unique("比对测试企业"))
    await factories.trade_figures("guangzhou", Source.OFFICIAL, [(ent.uscc, "2015-06", "9710", "export", "US", "1000000")])
    await factories.trade_figures("guangzhou", Source.RETURN, [(ent.uscc, "2015-06", "9710", "export", "US", "1234567.89")])
    async with factories.acting_in("guangzhou"):
        await reconcile([date(2015, 6, 1)])
    gap = await owner.fetchval("SELECT id FROM trade_gap WHERE enterprise = $1", ent.id)
    yield {"enterprise": ent, "gap": gap}
    for sql in (
        "DELETE FROM trade_gap WHERE enterprise = $1",
        "DELETE FROM trade_figure WHERE enterprise = $1",
        "DELETE FROM enterprise WHERE id = $1",
    ):
        await owner.execute(sql, ent.id)


async def test_the_page_shows_the_flag_and_the_bureau_explains_it(as_user, admin_gz, owner, flagged) -> None:
    ent, gap = flagged["enterprise"], flagged["gap"]
    page = await admin_gz.get(BASE, params={"period": "2015-06"})
    assert page.status_code == 200, page.text[:500]
    text = page.text
    assert ent.name in text and "1,234,567.89 元" in text and "1,000,000.00 元" in text
    assert "234,567.89 元" in text and "23.46 %" in text and "待核实" in text
    assert f'href="/z/guangzhou/dossier/enterprises/{ent.id}"' in text
    assert "10 %" in text  # the tolerance is said
    file = (await admin_gz.get(f"/z/guangzhou/dossier/enterprises/{ent.id}")).text  # 一企一档: the trade section
    section = file.split('id="trade-heading"', 1)[1].split("</section>", 1)[0]
    assert "<td>2015-06</td><td>1,234,567.89 元</td><td>1,000,000.00 元</td>" in section
    other_mode = await admin_gz.get(BASE, params={"period": "2015-06", "mode": "9610"})
    assert ent.name not in other_mode.text
    empty = await admin_gz.post(f"{BASE}{gap}/explain", data={"note": "  "}, follow_redirects=False)
    assert empty.status_code == 400 and 'aria-invalid="true"' in empty.text
    done = await admin_gz.post(
        f"{BASE}{gap}/explain", data={"note": "海关数据含 5 月申报", "back": "period=2015-06&status=all"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].endswith("?period=2015-06&status=all")
    row = await owner.fetchrow("SELECT status, note, noted_by FROM trade_gap WHERE id = $1", gap)
    assert row["status"] == "explained" and row["note"] == "海关数据含 5 月申报" and row["noted_by"] is not None
    shown = await admin_gz.get(BASE, params={"period": "2015-06", "status": "explained"})
    assert ent.name in shown.text and "已说明" in shown.text and "海关数据含 5 月申报" in shown.text
    opened = await admin_gz.get(BASE, params={"period": "2015-06"})  # open ones by default
    assert ent.name not in opened.text
    async with as_user(demo("reviewer", "guangzhou")) as reviewer:
        assert (await reviewer.get(BASE, params={"status": "all", "period": "2015-06"})).status_code == 200
    async with as_user(demo("enterprise", "guangzhou")) as enterprise:
        assert (await enterprise.get(BASE)).status_code == 403
    async with as_user(demo("admin", "foshan")) as foshan:  # another city's flag is not found
        other = await foshan.post(f"/z/foshan/trade/reconciliation/{gap}/explain", data={"note": "x"})
        assert other.status_code == 404
        assert ent.name not in (await foshan.get("/z/foshan/trade/reconciliation/?status=all")).text
