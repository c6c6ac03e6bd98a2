"""The return's form: the header fields and the lines as posted rows (``lines-0-mode``,
``lines-0-value_cny`` …), the buttons that add and remove a row (``action`` = ``add`` / ``remove:<i>``,
with and without JavaScript), and the checks of a submission: each line through the checks every source
of figures shares (``trade.figures``: mode, direction and their combination, country, value ≥ 0 with at
most two decimals, counts ≥ 0, each key once), the header's own (people employed; warehouse area and
utilisation where the enterprise runs an active overseas warehouse) and the jump check: a mode and
direction whose month total is over ``JUMP``× the enterprise's average of its last ``HISTORY`` months
of accepted returns must be confirmed (``confirm``)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from pilotzone.trade.codes import Direction, Mode
from pilotzone.trade.figures import Checked, check_rows, from_cells
from pilotzone.trade.return_dates import fileable, period_text
from pilotzone.web.i18n import gettext as _

COLUMNS = ("mode", "direction", "country", "value_cny", "orders", "parcels")
HEADER = ("employees", "warehouse_area", "warehouse_utilisation")
MAX_LINES = 200
JUMP = Decimal(10)
HISTORY = 6
_ROW = re.compile(r"^lines-(?P<i>\d{1,3})-(?P<col>[a-z_]+)$")
_BLANK = {"mode": "9610", "direction": "export", "country": "", "value_cny": "", "orders": "", "parcels": ""}


@dataclass
class ReturnForm:
    """What the form shows and posts, as typed (text)."""

    fields: dict[str, str] = field(default_factory=dict)
    lines: list[dict[str, str]] = field(default_factory=list)
    confirm: bool = False

    def get(self, name: str) -> str:
        return self.fields.get(name, "")

    def stored(self) -> dict[str, str]:
        """The values kept on the submission (``submission.values``: text), the lines as JSON."""
        return {**{k: self.get(k) for k in HEADER}, "lines": json.dumps(self.lines, ensure_ascii=False)}


def blank(lines: int = 1) -> ReturnForm:
    return ReturnForm(lines=[dict(_BLANK) for _ in range(lines)])


def from_stored(values: Mapping[str, str]) -> ReturnForm:
    """The form from a submission's stored values."""
    try:
        raw = json.loads(values.get("lines") or "[]")
    except ValueError:
        raw = []
    lines = [{c: str(r.get(c, "")) for c in COLUMNS} for r in raw if isinstance(r, dict)][:MAX_LINES]
    return ReturnForm({k: values.get(k, "") for k in HEADER}, lines)


def parse(posted: Mapping[str, str]) -> ReturnForm:
    """The form from a posted one: header fields, the lines in their order (indexes may have gaps)."""
    rows: dict[int, dict[str, str]] = {}
    for name, value in posted.items():
        m = _ROW.match(name)
        if m and m["col"] in COLUMNS and int(m["i"]) < MAX_LINES:
            rows.setdefault(int(m["i"]), {})[m["col"]] = value.strip()
    lines = [{c: rows[i].get(c, "") for c in COLUMNS} for i in sorted(rows)]
    return ReturnForm({k: posted.get(k, "").strip() for k in HEADER}, lines, posted.get("confirm", "") == "1")


def apply_action(form: ReturnForm, action: str) -> bool:
    """Add or remove a row (True), or nothing for any other action (False)."""
    if action == "add":
        if len(form.lines) < MAX_LINES:
            form.lines.append(dict(_BLANK))
        return True
    if action.startswith("remove:") and action[7:].isdigit():
        index = int(action[7:])
        if 0 <= index < len(form.lines):
            del form.lines[index]
        return True
    return False


@dataclass
class Header:
    employees: int
    warehouse_area: Decimal | None
    warehouse_utilisation: Decimal | None


@dataclass
class Jump:
    """A mode and direction whose total is over ``JUMP``× the recent average."""

    mode: Mode
    direction: Direction
    total: Decimal
    average: Decimal


@dataclass
class Outcome:
    header: Header | None
    lines: list[Checked]
    errors: dict[str, str]
    jumps: list[Jump]


def _number(text: str, name: str, errors: dict[str, str], *, whole: bool, top: Decimal) -> Decimal | None:
    text = text.replace(",", "").strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        errors[name] = _("Enter a whole number.") if whole else _("Enter a number, e.g. 1200.5.")
        return None
    if not value.is_finite() or value < 0:
        errors[name] = _("The number cannot be negative.")
    elif whole and value != value.to_integral_value():
        errors[name] = _("Enter a whole number.")
    elif value != value.quantize(Decimal("0.01")):
        errors[name] = _("At most two decimals.")
    elif value > top:
        errors[name] = _("The number is too large.")
    else:
        return value
    return None


def header_of(form: ReturnForm, warehouse: bool, errors: dict[str, str]) -> Header | None:
    """The header's values; ``warehouse``: the enterprise runs an active overseas warehouse (then area
    and utilisation are asked; otherwise they are left empty)."""
    employees = _number(form.get("employees"), "employees", errors, whole=True, top=Decimal(10**7))
    area = util = None
    if warehouse:
        area = _number(form.get("warehouse_area"), "warehouse_area", errors, whole=False, top=Decimal(10**9))
        util = _number(form.get("warehouse_utilisation"), "warehouse_utilisation", errors, whole=False, top=Decimal(100))
    if errors or employees is None:
        return None
    return Header(int(employees), area, util)


def lines_of(form: ReturnForm, uscc: str, enterprise: int, period: date, today: date) -> tuple[list[Checked], dict[str, str]]:
    """The lines checked as every source's figures are; errors by the form's field name."""
    errors: dict[str, str] = {}
    figures, numbers = [], []
    for i, line in enumerate(form.lines):
        cells = {**line, "uscc": uscc, "period": period_text(period)}
        figure, problems = from_cells(i + 1, cells)
        for p in problems:
            errors.setdefault(f"lines-{i}-{p.column}", p.reason)
        if figure is not None:
            figures.append(figure)
            numbers.append(i)
    checked, problems = check_rows(figures, today, {uscc: enterprise})
    for p in problems:
        i = numbers[p.row - 1]
        column = p.column if p.column in COLUMNS else "country"  # the key as a whole: shown at its country
        errors.setdefault(f"lines-{i}-{column}", p.reason)
    return checked, errors


def jumps_of(lines: list[Checked], averages: Mapping[tuple[str, str], Decimal]) -> list[Jump]:
    """The modes and directions whose total is over ``JUMP``× their average (none without history)."""
    totals: dict[tuple[str, str], Decimal] = {}
    for line in lines:
        key = (line.mode.value, line.direction.value)
        totals[key] = totals.get(key, Decimal(0)) + line.value_cny
    found = []
    for (mode, direction), total in sorted(totals.items()):
        average = averages.get((mode, direction), Decimal(0))
        if average > 0 and total > JUMP * average:
            found.append(Jump(Mode(mode), Direction(direction), total, average.quantize(Decimal("0.01"))))
    return found


def check(
    form: ReturnForm,
    *,
    uscc: str,
    enterprise: int,
    period: date,
    today: date,
    warehouse: bool,
    averages: Mapping[tuple[str, str], Decimal],
) -> Outcome:
    """Every rule of a submission; ``errors`` empty when it may be submitted."""
    errors: dict[str, str] = {}
    if not fileable(period, today):
        errors["period"] = _("A month is filed after it ends: this month cannot be filed yet.")
    header = header_of(form, warehouse, errors)
    lines, line_errors = lines_of(form, uscc, enterprise, period, today)
    errors.update(line_errors)
    jumps = jumps_of(lines, averages) if not line_errors else []
    if jumps and not form.confirm:
        errors["confirm"] = _(
            "Some totals are more than ten times your average of the last six months: check them and confirm."
        )
    return Outcome(header, lines, errors, jumps)
