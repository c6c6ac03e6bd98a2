"""The trade core: the checks every source shares, and writes that insert, replace with history and
leave equal values alone, scoped to the tenant."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from tests import factories

from pilotzone import db
from pilotzone.trade.codes import Direction, Mode, Source, direction_of, mode_of
from pilotzone.trade.countries import country_of
from pilotzone.trade.figures import Figure, check_rows, enterprise_ids, from_cells
from pilotzone.trade.store import start_batch, write

TODAY = date(2026, 12, 5)


def fig(code: str, **over: object) -> Figure:
    values: dict = dict(
        uscc=code, period="2026-10", mode="9610", direction="export", country="US",
        value_cny=Decimal("1000.50"), orders=3, parcels=4,
    )
    values.update(over)
    return Figure(**values)


def test_codes_and_countries() -> None:
    assert mode_of("9610") is Mode.M9610 and mode_of("b2c_9610") is Mode.M9610 and mode_of("9999") is None
    assert direction_of("出口") is Direction.EXPORT and direction_of("IMPORT") is Direction.IMPORT
    assert direction_of("out") is None
    assert country_of("us") == "US" and country_of("美国") == "US" and country_of("Germany") == "DE"
    assert country_of("中国香港") == "HK" and country_of("香港") == "HK" and country_of("Atlantis") is None


@pytest.mark.parametrize(
    ("over", "column"),
    [
        ({"uscc": "91440101MA5XXXXXX0"}, "uscc"),
        ({"period": "2026-13"}, "period"),
        ({"period": "2027-01"}, "period"),
        ({"mode": "9999"}, "mode"),
        ({"mode": "9710", "direction": "import"}, "direction"),
        ({"country": "XX"}, "country"),
        ({"value_cny": Decimal("-1")}, "value_cny"),
        ({"value_cny": Decimal("1.005")}, "value_cny"),
        ({"orders": -2}, "orders"),
    ],
)
def test_each_rule_names_its_column(over: dict, column: str) -> None:
    uscc = factories.new_uscc()
    checked, problems = check_rows([fig(uscc, **over)], TODAY, {uscc: 7})
    assert checked == [] and [(p.row, p.column) for p in problems] == [(1, column)]


def test_unknown_enterprise_duplicates_and_formulas() -> None:
    known, other = factories.new_uscc(), factories.new_uscc()
    rows = [fig(known), fig(other), fig(known, value_cny=Decimal(5))]
    checked, problems = check_rows(rows, TODAY, {known: 7}, row_numbers=[2, 3, 4])
    assert len(checked) == 1 and checked[0].enterprise == 7 and checked[0].value_cny == Decimal("1000.50")
    assert [(p.row, p.column) for p in problems] == [(3, "uscc"), (4, "uscc")]
    assert "2" in problems[1].reason  # the duplicate names the row it repeats
    figure, cells = from_cells(5, {"uscc": "=HYPERLINK(1)", "value_cny": "=1+1", "orders": "x"})
    assert figure is None and {(p.column) for p in cells} == {"uscc", "value_cny", "orders"}
    figure, cells = from_cells(6, {"uscc": known, "period": "2026-10", "mode": "9610", "direction": "出口",
                                   "country": "美国", "value_cny": "1,234.50", "orders": "2", "parcels": ""})
    assert cells == [] and figure is not None and figure.value_cny == Decimal("1234.50") and figure.parcels == 0


async def test_write_inserts_replaces_with_history_and_leaves_equal_values() -> None:
    ent = await factories.enterprise("guangzhou")
    async with factories.acting_in("guangzhou"):
        ids = await enterprise_ids([ent.uscc.lower(), "nonsense"])
        assert ids == {ent.uscc: ent.id}
        checked, problems = check_rows([fig(ent.uscc), fig(ent.uscc, country="DE")], TODAY, ids)
        assert problems == []
        first = await start_batch(Source.OFFICIAL, "a.csv")
        counts = await write(checked, Source.OFFICIAL, first)
        assert (counts.inserted, counts.replaced, counts.unchanged) == (2, 0, 0)
        second = await start_batch(Source.OFFICIAL, "a.csv")
        again = await write(checked, Source.OFFICIAL, second)
        assert (again.inserted, again.replaced, again.unchanged) == (0, 0, 2)
        changed, _ = check_rows([fig(ent.uscc, value_cny=Decimal("2000"))], TODAY, ids)
        third = await start_batch(Source.OFFICIAL, "b.csv")
        counts = await write(changed, Source.OFFICIAL, third)
        assert (counts.inserted, counts.replaced, counts.unchanged) == (0, 1, 0)
        # another source keeps its own value for the same key
        declared = await start_batch(Source.RETURN, "return")
        assert (await write(checked, Source.RETURN, declared)).inserted == 2
        rows = await db.fetch(
            "SELECT f.country, f.source, f.value_cny, f.batch, h.value_cny AS old, h.batch AS old_batch, h.replaced_by "
            "FROM trade_figure f LEFT JOIN trade_figure_history h ON h.figure = f.id "
            "WHERE f.enterprise = $1 ORDER BY f.source, f.country", ent.id
        )
    got = [(r["country"], r["source"], r["value_cny"], r["batch"], r["old"], r["old_batch"], r["replaced_by"]) for r in rows]
    assert got == [
        ("DE", "official", Decimal("1000.50"), first, None, None, None),
        ("US", "official", Decimal("2000.00"), third, Decimal("1000.50"), first, third),
        ("DE", "return", Decimal("1000.50"), declared, None, None, None),
        ("US", "return", Decimal("1000.50"), declared, None, None, None),
    ]
    async with factories.acting_in("foshan"):  # RLS: another city sees none of it
        assert await db.fetch("SELECT id FROM trade_figure WHERE enterprise = $1", ent.id) == []
