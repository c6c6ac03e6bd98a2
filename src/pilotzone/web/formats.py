"""How amounts, units and times look on pages: thousands separators and the unit next to every amount,
times in the pilot zones' zone (Asia/Shanghai). Template globals ``amount``, ``local_time``; the funding
explanations use the same functions (and ``unit_label``)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from pilotzone.web.i18n import get_locale

TZ = ZoneInfo("Asia/Shanghai")
FEN = Decimal("0.01")


class MoneyUnit(StrEnum):
    """The unit a program or a scheme states for the amounts it asks for."""

    YUAN = "元"
    WAN_YUAN = "万元"


# keyed by str: a MoneyUnit member is its value, so a plain unit string finds it too
DIGITS: dict[str, int] = {MoneyUnit.YUAN: 0, MoneyUnit.WAN_YUAN: 4}  # yuan per unit = 10 ** DIGITS (exact: a decimal shift)
_UNIT_EN: dict[str, str] = {MoneyUnit.YUAN: "yuan", MoneyUnit.WAN_YUAN: "× 10,000 yuan"}


def unit_label(unit: str) -> str:
    """A unit as written in the page's language (元 / yuan, 万元 / × 10,000 yuan; m² stays m²)."""
    if get_locale().lower().startswith("zh"):
        return unit
    return _UNIT_EN.get(unit, unit)


def grouped(value: Decimal | int | str, places: int | None = None) -> str:
    """``8000`` → ``8,000``; ``places`` fixes the decimals (2 for yuan), else as many as the value has
    (trailing zeros dropped: ``30.0000`` → ``30``)."""
    number = Decimal(str(value))
    if places is not None:
        return f"{number.quantize(Decimal(1).scaleb(-places)):,.{places}f}"
    number = number.normalize() if number != number.to_integral_value() else number.quantize(Decimal(1))
    exponent = number.as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return f"{number:,.{decimals}f}"


def amount(value: Decimal | int | str | None, unit: str = MoneyUnit.YUAN) -> str:
    """An amount with separators and its unit: ``1,666.67 元`` (yuan: always two decimals),
    ``8,000 万元`` (other units: the decimals the value has). None → ``—``."""
    if value is None or value == "":
        return "—"
    if unit == MoneyUnit.YUAN:
        return f"{grouped(value, 2)} {unit_label(unit)}"
    text = grouped(value)
    return f"{text} {unit_label(unit)}" if unit else text


def in_unit(yuan: Decimal, unit: str) -> Decimal:
    """An amount in yuan expressed in ``unit`` (exact: 300000 yuan → 30 万元)."""
    return Decimal(yuan).scaleb(-DIGITS.get(unit, 0))


def to_yuan(value: Decimal, unit: str) -> Decimal:
    """An amount in ``unit`` in yuan (exact: 8000 万元 → 80000000, 5000.00005 万元 → 50000000.5)."""
    return value.scaleb(DIGITS.get(unit, 0))


def local_time(moment: datetime | date | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC moment in Asia/Shanghai (a date stays as it is)."""
    if moment is None:
        return "—"
    if isinstance(moment, datetime):
        return moment.astimezone(TZ).strftime(pattern)
    return moment.strftime("%Y-%m-%d")


# ``<time datetime=…>`` takes a valid global date and time string: at most three digits of fractions
# of a second (``isoformat()`` writes six, which the HTML checker rejects).
def datetime_attr(value: datetime | date | None) -> str:
    """The machine-readable value of a ``datetime`` attribute: UTC to the second (``…T…Z``) or a date."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is None:  # stored times are UTC (naive only from tests or old rows)
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()
