"""Monthly returns without a database: months and deadlines, the posted form's rows, adding and
removing rows, the jump rule."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pilotzone.trade.codes import Direction, Mode
from pilotzone.trade.figures import Checked
from pilotzone.trade.return_dates import (
    add_months,
    due_on,
    fileable,
    last_ended,
    parse_period,
    period_text,
    recent,
)
from pilotzone.trade.return_form import ReturnForm, apply_action, from_stored, jumps_of, parse


def test_months_and_deadlines() -> None:
    assert add_months(date(2026, 12, 1), 1) == date(2027, 1, 1) and add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert due_on(date(2026, 11, 1), 10) == date(2026, 12, 10) and due_on(date(2026, 12, 1), 28) == date(2027, 1, 28)
    today = date(2026, 12, 5)
    assert last_ended(today) == date(2026, 11, 1)
    assert fileable(date(2026, 11, 1), today) and not fileable(date(2026, 12, 1), today)
    assert not fileable(date(2027, 1, 1), today)
    assert recent(today, 3) == [date(2026, 11, 1), date(2026, 10, 1), date(2026, 9, 1)]
    assert parse_period("2026-03") == date(2026, 3, 1) and period_text(date(2026, 3, 1)) == "2026-03"
    for bad in ("2026-13", "2026-00", "26-03", "2026/03", "", "abcd-ef"):
        assert parse_period(bad) is None, bad


def test_posted_rows_in_order_and_actions() -> None:
    form = parse({
        "employees": " 12 ", "lines-3-mode": "1210", "lines-3-value_cny": "5",
        "lines-0-mode": "9610", "lines-0-country": "US", "lines-999-mode": "9710", "confirm": "1",
    })
    assert form.get("employees") == "12" and form.confirm
    assert [line["mode"] for line in form.lines] == ["9610", "1210"]  # indexes may have gaps; 999 is beyond the limit
    assert form.lines[1] == {"mode": "1210", "direction": "", "country": "", "value_cny": "5", "orders": "", "parcels": ""}
    assert apply_action(form, "add") and len(form.lines) == 3
    assert apply_action(form, "remove:0") and [line["mode"] for line in form.lines] == ["1210", "9610"]
    assert apply_action(form, "remove:9") and len(form.lines) == 2  # out of range: nothing removed
    assert not apply_action(form, "save")
    assert from_stored(form.stored()).lines == form.lines  # a draft keeps its lines as typed
    assert from_stored({"lines": "not json"}).lines == []


def _line(mode: str, direction: str, value: str) -> Checked:
    return Checked(1, date(2026, 11, 1), Mode(mode), Direction(direction), "US", Decimal(value), 1, 1)


def test_a_jump_is_over_ten_times_the_average() -> None:
    averages = {("9610", "export"): Decimal("1000")}
    assert jumps_of([_line("9610", "export", "10000")], averages) == []  # ten times: no jump
    found = jumps_of([_line("9610", "export", "6000"), _line("9610", "export", "4000.01")], averages)
    assert [(j.mode, j.direction, j.total) for j in found] == [(Mode.M9610, Direction.EXPORT, Decimal("10000.01"))]
    assert jumps_of([_line("1210", "import", "999999")], averages) == []  # no history: nothing to compare
    assert ReturnForm().stored()["lines"] == "[]"
