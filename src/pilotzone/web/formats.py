"""How amounts, units and times look on pages: thousands separators and the unit next to every amount,
times in the pilot zones' zone (Asia/Shanghai). Template globals ``amount``, ``local_time``; the funding
explanations use the same functions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
FEN = Decimal("0.01")


class MoneyUnit(StrEnum):
    """The unit a program or a scheme states for the amounts it asks for."""

    YUAN = "元"
    WAN_YUAN = "万元"


SCALE = {MoneyUnit.YUAN: Decimal(1), MoneyUnit.WAN_YUAN: Decimal(10_000)}  # yuan per unit


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
        return f"{grouped(value, 2)} {unit}"
    text = grouped(value)
    return f"{text} {unit}" if unit else text


def in_unit(yuan: Decimal, unit: str) -> Decimal:
    """An amount in yuan expressed in ``unit`` (exact: 300000 yuan → 30 万元)."""
    return Decimal(yuan) / SCALE.get(unit, Decimal(1))  # type: ignore[call-overload] - a StrEnum key


def local_time(moment: datetime | date | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC moment in Asia/Shanghai (a date stays as it is)."""
    if moment is None:
        return "—"
    if isinstance(moment, datetime):
        return moment.astimezone(TZ).strftime(pattern)
    return moment.strftime("%Y-%m-%d")
