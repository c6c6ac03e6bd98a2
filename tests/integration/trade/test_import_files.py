"""Official data import (issue 14 item 3): hostile files are refused naming row and column with nothing
written; UTF-8 with BOM, GB18030 and XLSX are read; a re-import changes nothing; a newer file replaces
and keeps history."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import asyncpg
import pytest
from tests import factories
from tests.integration.trade.import_support import HEADER_ZH, PERIOD, row, write_csv, write_xlsx

from pilotzone.trade.imports import Outcome, import_file


async def run(path: Path) -> Outcome:
    async with factories.acting_in("guangzhou"):
        return await import_file(path, path.name)


async def figures_of(owner: asyncpg.Connection, ids: list[int]) -> list[asyncpg.Record]:
    return await owner.fetch(
        "SELECT enterprise, period, mode, direction, country, value_cny, orders, parcels, batch "
        "FROM trade_figure WHERE enterprise = ANY($1::int[]) AND source = 'official' ORDER BY enterprise, country",
        ids,
    )


def _bad_check(uscc: str) -> str:
    last = "0" if uscc[-1] != "0" else "1"
    return uscc[:-1] + last


# (what is wrong, the rows after the header, the expected (row, column) of each problem)
HOSTILE = [
    ("bad check character", lambda a, b: [row(_bad_check(a))], [(2, "uscc")]),
    ("month 13", lambda a, b: [row(a), row(b, period="2025-13")], [(3, "period")]),
    ("unknown mode", lambda a, b: [row(a, mode="9999")], [(2, "mode")]),
    ("impossible direction", lambda a, b: [row(a, mode="9710", direction="import")], [(2, "direction")]),
    ("negative value", lambda a, b: [row(a, value_cny="-5")], [(2, "value_cny")]),
    ("three decimals", lambda a, b: [row(a, value_cny="1.005")], [(2, "value_cny")]),
    ("count not whole", lambda a, b: [row(a, orders="1.5")], [(2, "orders")]),
    ("duplicate key", lambda a, b: [row(a), row(b), row(a, value_cny="7")], [(4, "uscc")]),
    ("unknown enterprise", lambda a, b: [row(a), row(factories.new_uscc())], [(3, "uscc")]),
    ("unknown country", lambda a, b: [row(a, country="Atlantis")], [(2, "country")]),
    ("formula", lambda a, b: [row(a, country='=HYPERLINK("x")'), row(b, value_cny="=1+1")],
     [(2, "country"), (3, "value_cny")]),
    ("future month", lambda a, b: [row(a, period="2999-01")], [(2, "period")]),
    ("zero rows", lambda a, b: [], [(0, "")]),
]


@pytest.mark.parametrize(("what", "rows", "expected"), HOSTILE, ids=[h[0] for h in HOSTILE])
async def test_a_hostile_file_is_refused_naming_row_and_column(
    importing: dict, owner: asyncpg.Connection, what: str, rows, expected: list  # type: ignore[no-untyped-def]
) -> None:
    a, b = (e.uscc for e in importing["enterprises"])
    good = write_csv(importing["folder"], f"{importing['marker']}-good.csv", [row(a, country="DE")])
    assert (await run(good)).ok  # a figure that must survive the refused file untouched
    before = await figures_of(owner, [e.id for e in importing["enterprises"]])
    path = write_csv(importing["folder"], f"{importing['marker']}-bad.csv", rows(a, b))
    outcome = await run(path)
    assert outcome.counts is None
    assert [(p.row, p.column) for p in outcome.problems] == expected, outcome.problems
    assert all(p.reason for p in outcome.problems)
    if what == "duplicate key":
        assert "2" in outcome.problems[0].reason  # names the row it repeats
    assert await figures_of(owner, [e.id for e in importing["enterprises"]]) == before
    batch = await owner.fetchrow("SELECT status, rows, errors FROM trade_batch WHERE id = $1", outcome.batch)
    assert batch["status"] == "refused" and batch["rows"] == 0


async def test_wrong_encoding_names_row_and_column(importing: dict, owner: asyncpg.Connection) -> None:
    a, _ = (e.uscc for e in importing["enterprises"])
    path = importing["folder"] / f"{importing['marker']}-latin.csv"
    text = "uscc,period,mode,direction,country,value_cny,orders,parcels\r\n"
    body = text.encode() + ",".join(row(a)).encode() + b"\r\n" + f"{a},{PERIOD},9610,export,".encode() + b"\xff\xfe" + b",1,1,1\r\n"
    path.write_bytes(body)
    outcome = await run(path)
    assert [(p.row, p.column) for p in outcome.problems] == [(3, "country")]
    assert "GB18030" in outcome.problems[0].reason
    assert await figures_of(owner, [e.id for e in importing["enterprises"]]) == []


async def test_header_missing_unknown_or_repeated_is_refused(importing: dict) -> None:
    a, _ = (e.uscc for e in importing["enterprises"])
    header = ("uscc", "period", "mode", "direction", "country", "amount", "orders", "orders")
    path = write_csv(importing["folder"], f"{importing['marker']}-header.csv", [row(a)], header=header)
    outcome = await run(path)
    assert {(p.row, p.column) for p in outcome.problems} == {(1, "amount"), (1, "orders"), (1, "value_cny"), (1, "parcels")}


async def test_bom_gb18030_and_xlsx_are_read(importing: dict, owner: asyncpg.Connection) -> None:
    (a, b), folder, marker = (e.uscc for e in importing["enterprises"]), importing["folder"], importing["marker"]
    bom = folder / f"{marker}-bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + ",".join(HEADER_ZH).encode() + b"\r\n" + ",".join(row(a)).encode() + b"\r\n")
    gb = write_csv(
        folder, f"{marker}-gb.csv", [row(b, direction="出口", country="德国", value_cny='"1,234.56"')],
        header=HEADER_ZH, encoding="gb18030",
    )
    xlsx = write_xlsx(folder, f"{marker}.xlsx", [(a, PERIOD, 9610, "进口", "日本", 88.5, 2, 3)])
    counts = [(await run(path)).counts for path in (bom, gb, xlsx)]
    assert [(c.rows, c.inserted) for c in counts if c] == [(1, 1), (1, 1), (1, 1)]
    got = [(r["country"], r["direction"], r["value_cny"], r["orders"]) for r in await figures_of(owner, [e.id for e in importing["enterprises"]])]
    assert sorted(got) == [("DE", "export", Decimal("1234.56"), 3), ("JP", "import", Decimal("88.50"), 2), ("US", "export", Decimal("1000.50"), 3)]


async def test_the_same_file_again_changes_nothing_and_a_newer_one_keeps_history(
    importing: dict, owner: asyncpg.Connection
) -> None:
    (a, b), folder, marker = (e.uscc for e in importing["enterprises"]), importing["folder"], importing["marker"]
    ids = [e.id for e in importing["enterprises"]]
    first = write_csv(folder, f"{marker}-1.csv", [row(a), row(b), row(a, country="DE", value_cny="5")])
    done = await run(first)
    assert done.counts is not None and (done.counts.rows, done.counts.inserted) == (3, 3)
    stamps = await owner.fetch("SELECT id, batch, updated_at FROM trade_figure WHERE enterprise = ANY($1::int[]) ORDER BY id", ids)
    again = await run(first)
    assert again.counts is not None and (again.counts.inserted, again.counts.replaced, again.counts.unchanged) == (0, 0, 3)
    assert await owner.fetch("SELECT id, batch, updated_at FROM trade_figure WHERE enterprise = ANY($1::int[]) ORDER BY id", ids) == stamps
    newer = write_csv(folder, f"{marker}-2.csv", [row(a, value_cny="2000"), row(b)])
    replaced = await run(newer)
    assert replaced.counts is not None and (replaced.counts.inserted, replaced.counts.replaced, replaced.counts.unchanged) == (0, 1, 1)
    history = await owner.fetch(
        "SELECT h.value_cny, h.batch, h.replaced_by, f.value_cny AS now FROM trade_figure_history h "
        "JOIN trade_figure f ON f.id = h.figure WHERE f.enterprise = ANY($1::int[])",
        ids,
    )
    assert [(h["value_cny"], h["batch"], h["replaced_by"], h["now"]) for h in history] == [
        (Decimal("1000.50"), done.batch, replaced.batch, Decimal("2000.00"))
    ]
