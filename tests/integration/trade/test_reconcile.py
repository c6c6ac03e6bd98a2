"""Reconciliation: declared (accepted returns) against official figures per enterprise, month and mode,
flagged over the tenant's tolerance (from its TOML), a missing side counted only once the month has
official data, explained flags, cleared ones, and RLS."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import asyncpg
import pytest
from tests import factories

from pilotzone import db
from pilotzone.trade.codes import Source
from pilotzone.trade.reconcile import explain_gap, judge, open_gaps, reconcile, tolerance

OFFICIAL, RETURN = Source.OFFICIAL, Source.RETURN


async def _gaps(owner: asyncpg.Connection, *enterprises: int) -> dict[tuple[int, str], asyncpg.Record]:
    rows = await owner.fetch("SELECT * FROM trade_gap WHERE enterprise = ANY($1::int[])", list(enterprises))
    return {(r["enterprise"], r["mode"]): r for r in rows}


@pytest.fixture
async def made(owner: asyncpg.Connection) -> list[int]:
    """The enterprises a test makes (their figures, batches and flags removed afterwards)."""
    ids: list[int] = []
    yield ids
    for sql in (
        "DELETE FROM trade_gap WHERE enterprise = ANY($1::int[])",
        "DELETE FROM trade_figure_history WHERE figure IN (SELECT id FROM trade_figure WHERE enterprise = ANY($1::int[]))",
        "DELETE FROM trade_figure WHERE enterprise = ANY($1::int[])",
        "DELETE FROM enterprise WHERE id = ANY($1::int[])",
    ):
        await owner.execute(sql, ids)


async def _enterprise(slug: str, made: list[int]):  # type: ignore[no-untyped-def]
    ent = await factories.enterprise(slug)
    made.append(ent.id)
    return ent


def test_judge() -> None:
    ten = Decimal(10)
    assert judge(Decimal("1100"), Decimal("1000"), ten) == (Decimal("100.00"), Decimal("10.00"), False)
    assert judge(Decimal("1100.01"), Decimal("1000"), ten)[2] is True
    assert judge(Decimal("850"), Decimal("1000"), ten) == (Decimal("-150.00"), Decimal("15.00"), True)
    assert judge(Decimal("5"), None, ten) == (Decimal("5.00"), None, True)  # no official figure
    assert judge(None, Decimal("5"), ten) == (Decimal("-5.00"), Decimal("100.00"), True)
    assert judge(Decimal(0), Decimal(0), ten)[2] is False


async def test_over_and_within_the_tolerance(owner: asyncpg.Connection, made: list[int]) -> None:
    close, far = await _enterprise("guangzhou", made), await _enterprise("guangzhou", made)
    await factories.trade_figures("guangzhou", OFFICIAL, [
        (close.uscc, "2019-03", "9610", "export", "US", "600"), (close.uscc, "2019-03", "9610", "export", "DE", "400"),
        (far.uscc, "2019-03", "9710", "export", "US", "1000"),
    ])
    await factories.trade_figures("guangzhou", RETURN, [
        # 1,080 declared against 1,000 official over two countries: 8 %, within 10 %
        (close.uscc, "2019-03", "9610", "export", "US", "1080"),
        (far.uscc, "2019-03", "9710", "export", "US", "1250.50"),  # 25.05 %
    ])
    async with factories.acting_in("guangzhou"):
        assert await tolerance() == Decimal(10)  # tenants/guangzhou.toml [trade] tolerance_percent
        counts = await reconcile([date(2019, 3, 17)])
    assert counts.flagged >= 1
    gaps = await _gaps(owner, close.id, far.id)
    assert list(gaps) == [(far.id, "9710")]
    row = gaps[(far.id, "9710")]
    assert (row["declared"], row["official"], row["gap"], row["gap_percent"], row["status"]) == (
        Decimal("1250.50"), Decimal("1000.00"), Decimal("250.50"), Decimal("25.05"), "open"
    )
    # the declared figure corrected: the flag is cleared (and keeps the numbers that cleared it)
    await factories.trade_figures("guangzhou", RETURN, [(far.uscc, "2019-03", "9710", "export", "US", "1000")])
    async with factories.acting_in("guangzhou"):
        await reconcile([date(2019, 3, 1)])
    row = (await _gaps(owner, far.id))[(far.id, "9710")]
    assert (row["status"], row["declared"], row["gap"]) == ("cleared", Decimal("1000.00"), Decimal("0.00"))


async def test_a_missing_side_counts_once_the_month_has_official_data(
    owner: asyncpg.Connection, made: list[int]
) -> None:
    declared_only, partial, silent, other = [await _enterprise("guangzhou", made) for _ in range(4)]
    await factories.trade_figures("guangzhou", RETURN, [
        (declared_only.uscc, "2018-05", "9610", "export", "US", "500"),
        (partial.uscc, "2018-05", "9610", "export", "US", "700"),
    ])
    await factories.trade_figures("guangzhou", OFFICIAL, [
        (partial.uscc, "2018-04", "9810", "export", "GB", "50"),  # another month
    ])
    async with factories.acting_in("guangzhou"):
        await reconcile([date(2018, 5, 1)])
    assert await _gaps(owner, declared_only.id, partial.id) == {}  # no official data for 2018-05 yet
    await factories.trade_figures("guangzhou", OFFICIAL, [
        (partial.uscc, "2018-05", "9610", "export", "US", "700"),
        (partial.uscc, "2018-05", "9810", "export", "GB", "300"),  # filed 9610 only: 9810 missing
        (silent.uscc, "2018-05", "9610", "export", "US", "900"),  # filed no return at all: not a gap
        (other.uscc, "2018-05", "1210", "import", "JP", "10"),
    ])
    async with factories.acting_in("guangzhou"):
        await reconcile([date(2018, 5, 1)])
    gaps = await _gaps(owner, declared_only.id, partial.id, silent.id, other.id)
    assert sorted(gaps) == sorted([(declared_only.id, "9610"), (partial.id, "9810")])
    assert gaps[(declared_only.id, "9610")]["official"] is None
    assert gaps[(declared_only.id, "9610")]["gap_percent"] is None
    assert gaps[(partial.id, "9810")]["declared"] is None and gaps[(partial.id, "9810")]["gap"] == Decimal("-300.00")


async def test_the_tolerance_is_the_tenants(owner: asyncpg.Connection, made: list[int]) -> None:
    """9 % apart: within guangzhou's 10 %, over foshan's 8 % (their TOML files)."""
    gz, fs = await _enterprise("guangzhou", made), await _enterprise("foshan", made)
    for slug, ent in (("guangzhou", gz), ("foshan", fs)):
        await factories.trade_figures(slug, OFFICIAL, [(ent.uscc, "2017-08", "9610", "export", "US", "1000")])
        await factories.trade_figures(slug, RETURN, [(ent.uscc, "2017-08", "9610", "export", "US", "1090")])
        async with factories.acting_in(slug):
            await reconcile([date(2017, 8, 1)])
    async with factories.acting_in("foshan"):
        assert await tolerance() == Decimal(8)
    assert list(await _gaps(owner, gz.id, fs.id)) == [(fs.id, "9610")]


async def test_explained_flags_and_rls(owner: asyncpg.Connection, made: list[int]) -> None:
    ent = await _enterprise("guangzhou", made)
    await factories.trade_figures("guangzhou", OFFICIAL, [(ent.uscc, "2016-02", "9610", "export", "US", "100")])
    await factories.trade_figures("guangzhou", RETURN, [(ent.uscc, "2016-02", "9610", "export", "US", "300")])
    async with factories.acting_in("guangzhou"):
        await reconcile([date(2016, 2, 1)])
        found = await open_gaps([ent.id])
        assert [(g.period, g.mode, g.declared, g.official) for g in found[ent.id]] == [
            (date(2016, 2, 1), "9610", Decimal("300.00"), Decimal("100.00"))
        ]
        gap_id = found[ent.id][0].id
    async with factories.acting_in("foshan"):  # another city sees none of it and cannot explain it
        assert await open_gaps([ent.id]) == {}
        assert await db.fetch("SELECT id FROM trade_gap WHERE id = $1", gap_id) == []
        with pytest.raises(LookupError):
            await explain_gap(gap_id, "不是我们的", None)
    async with factories.acting_in("guangzhou"):
        await explain_gap(gap_id, "含退货冲减，海关数据未扣减", None)
        await reconcile([date(2016, 2, 1)])  # the same numbers: still explained
        assert await open_gaps([ent.id]) == {}
    row = (await _gaps(owner, ent.id))[(ent.id, "9610")]
    assert (row["status"], row["note"]) == ("explained", "含退货冲减，海关数据未扣减")
    await factories.trade_figures("guangzhou", RETURN, [(ent.uscc, "2016-02", "9610", "export", "US", "400")])
    async with factories.acting_in("guangzhou"):
        await reconcile([date(2016, 2, 1)])  # a changed number reopens it
        assert [g.declared for g in (await open_gaps([ent.id]))[ent.id]] == [Decimal("400.00")]
    audit = await owner.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'trade_gap.explained' AND object_id = $1", str(gap_id)
    )
    assert audit == 1


async def test_a_write_path_reconciles_in_a_job(owner: asyncpg.Connection, made: list[int], worker) -> None:  # type: ignore[no-untyped-def]
    from tests.support import wait_done

    from pilotzone.trade.reconcile_job import recent_months, reconcile_later

    assert recent_months(date(2026, 1, 20), 2) == [date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1)]
    ent = await _enterprise("guangzhou", made)
    await factories.trade_figures("guangzhou", OFFICIAL, [(ent.uscc, "2014-09", "9810", "export", "AU", "10")])
    await factories.trade_figures("guangzhou", RETURN, [(ent.uscc, "2014-09", "9810", "export", "AU", "20")])
    async with factories.acting_in("guangzhou"):
        run = await reconcile_later([date(2014, 9, 30)])
    done = await wait_done(owner, run.id)
    assert done["status"] == "done" and done["kind"] == "trade_reconcile"
    assert list(await _gaps(owner, ent.id)) == [(ent.id, "9810")]


def test_the_tolerance_in_a_tenant_file_is_checked(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    from pilotzone.provisioning.specs import TenantFileError, parse_file

    source = (Path(__file__).resolve().parents[3] / "tenants" / "guangzhou.toml").read_text(encoding="utf-8")
    assert parse_file(Path(__file__).resolve().parents[3] / "tenants" / "guangzhou.toml").trade.tolerance_percent == 10
    bad = tmp_path / "guangzhou.toml"
    bad.write_text(source.replace("tolerance_percent = 10", "tolerance_percent = 150"), encoding="utf-8")
    with pytest.raises(TenantFileError, match="tolerance_percent"):
        parse_file(bad)
