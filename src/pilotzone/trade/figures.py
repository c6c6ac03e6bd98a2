"""One trade figure as a file, a client or a return sends it, and the checks every source shares.

``Figure`` is the wire shape (the API's body rows; a file row once its cells are read by ``from_cells``);
``check_rows`` turns figures into ``Checked`` rows or ``Problem``s (row, column, reason in the reader's
language), all rows at once: nothing is written while one is wrong.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

import msgspec

from pilotzone import db
from pilotzone.registry.uscc import is_valid as _is_valid
from pilotzone.trade.codes import COMBINATIONS, Direction, Mode, direction_of, mode_of
from pilotzone.trade.countries import country_of
from pilotzone.web.i18n import gettext as _

COLUMNS = ("uscc", "period", "mode", "direction", "country", "value_cny", "orders", "parcels")
MAX_VALUE = Decimal("99999999999999.99")  # Numeric(16, 2)
MAX_COUNT = 10**12
_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")
_FORMULA = ("=", "+", "-", "@")


class Figure(msgspec.Struct, forbid_unknown_fields=True):
    """One figure as sent: credit code, month ``YYYY-MM``, mode (``9610``), direction (``export`` /
    ``import`` or 出口 / 进口), country (alpha-2 or name), value in yuan, orders, parcels."""

    uscc: str
    period: str
    mode: str
    direction: str
    country: str
    value_cny: Decimal
    orders: int = 0
    parcels: int = 0


class Checked(msgspec.Struct, frozen=True):
    """A figure that passed every check, with its enterprise found and its codes read."""

    enterprise: int
    period: date
    mode: Mode
    direction: Direction
    country: str
    value_cny: Decimal
    orders: int
    parcels: int

    @property
    def key(self) -> tuple[int, date, str, str, str]:
        return (self.enterprise, self.period, self.mode.value, self.direction.value, self.country)


class Problem(msgspec.Struct, frozen=True):
    """Why one cell is refused: ``row`` counts data rows from 1 (a file's reader passes its own line
    numbers), ``column`` is one of ``COLUMNS`` (or the header as written), ``reason`` is for people."""

    row: int
    column: str
    reason: str


# a pure function of the code, called once per row: an API batch or an import file names the same few
# thousand enterprises again and again (measured: 55 % of check_rows' time for 1,000 rows before)
is_valid = functools.lru_cache(maxsize=200_000)(_is_valid)


def _formula(text: str) -> bool:
    return text.startswith(_FORMULA)


def from_cells(row: int, cells: Mapping[str, str]) -> tuple[Figure | None, list[Problem]]:
    """A figure from text cells keyed by ``COLUMNS`` (a file's row); the numbers' problems by cell."""
    problems: list[Problem] = []
    for column in ("uscc", "period", "mode", "direction", "country"):
        if _formula(cells.get(column, "").strip()):
            problems.append(Problem(row, column, _("A cell starting with =, +, - or @ is refused as a formula.")))
    value = _decimal(row, cells.get("value_cny", ""), problems)
    orders = _count(row, "orders", cells.get("orders", ""), problems)
    parcels = _count(row, "parcels", cells.get("parcels", ""), problems)
    if problems or value is None or orders is None or parcels is None:
        return None, problems
    figure = Figure(
        uscc=cells.get("uscc", ""),
        period=cells.get("period", ""),
        mode=cells.get("mode", ""),
        direction=cells.get("direction", ""),
        country=cells.get("country", ""),
        value_cny=value,
        orders=orders,
        parcels=parcels,
    )
    return figure, problems


def _decimal(row: int, text: str, problems: list[Problem]) -> Decimal | None:
    text = text.strip().replace(",", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        reason = _("A cell starting with =, +, - or @ is refused as a formula.") if _formula(text) else _(
            "Enter the value in yuan as a number, e.g. 12345.67."
        )
        problems.append(Problem(row, "value_cny", reason))
        return None
    return value


def _count(row: int, column: str, text: str, problems: list[Problem]) -> int | None:
    text = text.strip().replace(",", "")
    if text == "":
        return 0
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    reason = _("A cell starting with =, +, - or @ is refused as a formula.") if _formula(text) else _(
        "Enter a whole number."
    )
    problems.append(Problem(row, column, reason))
    return None


def period_of(text: str) -> date | None:
    """The first day of a month written ``YYYY-MM`` (month 01–12); None otherwise."""
    match = _PERIOD.match(text.strip())
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12 or year < 2000:
        return None
    return date(year, month, 1)


def check_rows(
    rows: Sequence[Figure],
    today: date,
    enterprises: Mapping[str, int],
    *,
    row_numbers: Sequence[int] | None = None,
) -> tuple[list[Checked], list[Problem]]:
    """Every rule for every row: a credit code with its check character, of an enterprise of the tenant
    (``enterprises``: credit code → id); a month not after ``today``'s; a known mode and direction that
    exist together; a known country; a value ≥ 0 with at most two decimals; counts ≥ 0; each key once."""
    checked: list[Checked] = []
    problems: list[Problem] = []
    seen: dict[tuple[int, date, str, str, str], int] = {}
    this_month = today.replace(day=1)
    for index, figure in enumerate(rows):
        row = row_numbers[index] if row_numbers is not None else index + 1
        found = _check(row, figure, this_month, enterprises, problems)
        if found is None:
            continue
        earlier = seen.get(found.key)
        if earlier is not None:
            problems.append(Problem(row, "uscc", _("The same enterprise, month, mode, direction and country as row %(row)s.") % {"row": earlier}))
            continue
        seen[found.key] = row
        checked.append(found)
    return checked, problems


def _check(
    row: int, f: Figure, this_month: date, enterprises: Mapping[str, int], problems: list[Problem]
) -> Checked | None:
    before = len(problems)
    uscc = f.uscc.strip().upper()
    enterprise = enterprises.get(uscc)
    if not is_valid(uscc):
        problems.append(Problem(row, "uscc", _("Not a valid unified social credit code (18 characters with a correct check character).")))
    elif enterprise is None:
        problems.append(Problem(row, "uscc", _("No enterprise with this credit code is registered in this pilot zone.")))
    period = period_of(f.period)
    if period is None:
        problems.append(Problem(row, "period", _("Enter the month as YYYY-MM with a month from 01 to 12.")))
    elif period > this_month:
        problems.append(Problem(row, "period", _("The month is in the future.")))
    mode, direction = mode_of(f.mode), direction_of(f.direction)
    if mode is None:
        problems.append(Problem(row, "mode", _("Unknown customs mode: use 9610, 9710, 9810, 1210 or 1239.")))
    if direction is None:
        problems.append(Problem(row, "direction", _("Enter export or import (出口 or 进口).")))
    if mode is not None and direction is not None and (mode, direction) not in COMBINATIONS:
        problems.append(Problem(row, "direction", _("This customs mode has no such direction.")))
    country = country_of(f.country)
    if country is None:
        problems.append(Problem(row, "country", _("Unknown country or region: use its two-letter ISO code or its name.")))
    value = f.value_cny
    if not value.is_finite():
        problems.append(Problem(row, "value_cny", _("Enter the value in yuan as a number, e.g. 12345.67.")))
    elif value < 0:
        problems.append(Problem(row, "value_cny", _("The value cannot be negative.")))
    elif value != value.quantize(Decimal("0.01")):
        problems.append(Problem(row, "value_cny", _("The value has at most two decimals (fen).")))
    elif value > MAX_VALUE:
        problems.append(Problem(row, "value_cny", _("The value is too large.")))
    for column, count in (("orders", f.orders), ("parcels", f.parcels)):
        if count < 0:
            problems.append(Problem(row, column, _("The number cannot be negative.")))
        elif count > MAX_COUNT:
            problems.append(Problem(row, column, _("The number is too large.")))
    if len(problems) > before:
        return None
    assert enterprise is not None and period is not None and mode is not None  # noqa: S101 - checked above
    assert direction is not None and country is not None  # noqa: S101
    return Checked(enterprise, period, mode, direction, country, value.quantize(Decimal("0.01")), f.orders, f.parcels)


async def enterprise_ids(usccs: Iterable[str]) -> dict[str, int]:
    """Credit code → id of the tenant's active enterprises among ``usccs`` (one query; RLS scopes it)."""
    wanted = sorted({code.strip().upper() for code in usccs if code})
    if not wanted:
        return {}
    rows = await db.fetch(
        "SELECT uscc, id FROM enterprise WHERE uscc = ANY($1::text[]) AND status = 'active'", wanted
    )
    return {row["uscc"]: row["id"] for row in rows}
