"""How amounts, units and times look on pages and in exports: thousands separators and the unit next to
every amount, times in the tenant's time zone (its ``time_zone`` setting, Asia/Shanghai by default; never
"UTC" on a page). Template globals ``amount``, ``local_time``, ``local_date``, ``zone_label``; the funding
explanations and the CSV/XLSX exports use the same functions (and ``unit_label``, ``fen``,
:data:`XLSX_MONEY`)."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pilotzone.codes import CustomsMode
from pilotzone.tenancy.middleware import current_tenant_zone
from pilotzone.web.i18n import get_locale, gettext, ngettext

DEFAULT_ZONE = "Asia/Shanghai"
TZ = ZoneInfo(DEFAULT_ZONE)  # the default zone (a tenant without its own setting, provincial pages)
FEN = Decimal("0.01")
XLSX_MONEY = "#,##0.00"  # the number format of every amount cell in an XLSX export (a number, not text)

# a zone chosen for the code that runs outside a request (jobs writing exports: ``with in_zone(name)``)
_zone_override: contextvars.ContextVar[str | None] = contextvars.ContextVar("pilotzone_zone", default=None)


def N_(message: str) -> str:  # noqa: N802 - marks a text for extraction, translated when shown
    return message


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


def unit_suffix(unit: str | None) -> str:
    """The unit a form's label states after the label: ``（元）`` / ``（万元）`` in Chinese, `` (yuan)`` in
    English; no unit → ``""``."""
    if not unit:
        return ""
    text = unit_label(unit)
    return f"（{text}）" if get_locale().lower().startswith("zh") else f" ({text})"


def grouped(value: Decimal | int | str, places: int | None = None) -> str:
    """``8000`` → ``8,000``; ``places`` fixes the decimals (2 for yuan), else as many as the value has
    (trailing zeros dropped: ``30.0000`` → ``30``)."""
    number = Decimal(str(value))
    if places is not None:
        return f"{number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):,.{places}f}"
    number = number.normalize() if number != number.to_integral_value() else number.quantize(Decimal(1))
    exponent = number.as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return f"{number:,.{decimals}f}"


def number(value: Decimal | int | str | None) -> str:
    """A quantity with thousands separators and the decimals it has (``88000.25`` → ``88,000.25``);
    None or an empty value → ``—``, a text that is no number as it is."""
    if value is None or value == "":
        return "—"
    try:
        return grouped(value)
    except ArithmeticError:
        return str(value)


def file_size(size: int | None) -> str:
    """A file's size as people read it: ``220 字节`` / ``220 bytes`` below a kilobyte, else ``12.5 KB``,
    ``3.2 MB`` (1,024 each) with separators; None → ``—``."""
    if size is None:
        return "—"
    if size < 1024:
        return ngettext("%(num)s byte", "%(num)s bytes", size, num=grouped(size))
    value = Decimal(size)
    for unit in ("KB", "MB"):
        value /= 1024
        if value < 1024:
            return f"{grouped(value, 1)} {unit}"
    return f"{grouped(value / 1024, 1)} GB"


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


@cache
def _zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return TZ  # a tenant setting the system does not know: the default rather than an error page


def zone_name() -> str:
    """The IANA name of the zone times are shown in: the override, else the request's tenant's, else
    the default."""
    return _zone_override.get() or current_tenant_zone() or DEFAULT_ZONE


def zone() -> ZoneInfo:
    return _zone_of(zone_name())


@contextlib.contextmanager
def in_zone(name: str | None) -> Iterator[None]:
    """Show times in ``name`` inside the block (a job writing a tenant's export); None: unchanged."""
    token = _zone_override.set(name) if name else None
    try:
        yield
    finally:
        if token is not None:
            _zone_override.reset(token)


_ZONE_NAMES = {"Asia/Shanghai": N_("Beijing time")}


def zone_label() -> str:
    """How the page names its times' zone: 北京时间 / Beijing time (another zone: its IANA name)."""
    name = zone_name()
    return gettext(_ZONE_NAMES[name]) if name in _ZONE_NAMES else name


def as_local(moment: datetime) -> datetime:
    """A stored moment in the shown zone (a naive value is taken as UTC, as the database stores it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone())


def local_time(moment: datetime | date | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC moment in the tenant's zone (a date stays as it is: it is already a local date)."""
    if moment is None:
        return "—"
    if isinstance(moment, datetime):
        return as_local(moment).strftime(pattern)
    return moment.strftime("%Y-%m-%d")


def local_date(moment: datetime | date | None) -> str:
    """The local calendar date of a moment (``2026-12-05T17:00Z`` → ``2026-12-06`` in Shanghai)."""
    return local_time(moment, "%Y-%m-%d")


def xlsx_time(moment: datetime | None) -> datetime | None:
    """A moment for an XLSX cell: local wall time without a zone (spreadsheets store no zone)."""
    return None if moment is None else as_local(moment).replace(tzinfo=None)


def fen(value: Decimal | int | str | float) -> Decimal:
    """An amount in yuan rounded half-up to the fen (the value an export cell holds)."""
    return Decimal(str(value)).quantize(FEN, rounding=ROUND_HALF_UP)


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


def field_value(field: Any, value: object, unit: str | None = None) -> str:
    """A declared value as a page shows it, by its field (a scheme's or program's ``type``, ``options``,
    ``option_labels_zh/en``): a choice by its option's label (a customs mode by :class:`CustomsMode`),
    yes/no in words, an amount with separators and ``unit`` (元 when none), a number with separators and
    its unit; empty → ``""``."""
    if value is None or value == "":
        return ""
    kind = getattr(field, "type", "text")
    text = str(value)
    zh = get_locale().lower().startswith("zh")
    if kind == "choice":
        options = list(getattr(field, "options", []) or [])
        labels = list(getattr(field, "option_labels_zh" if zh else "option_labels_en", []) or [])
        if text in options and options.index(text) < len(labels) and labels[options.index(text)]:
            return str(labels[options.index(text)])
        try:
            return CustomsMode(text).label(get_locale())
        except ValueError:
            return text
    if kind == "boolean":
        return {"yes": gettext("Yes"), "no": gettext("No"), "true": gettext("Yes"), "false": gettext("No")}.get(
            text.lower(), text
        )
    try:
        if kind == "amount":
            return amount(text, unit or MoneyUnit.YUAN)
        if kind in ("integer", "decimal"):
            number = grouped(text)
            return f"{number} {unit_label(unit)}" if unit else number
    except (ArithmeticError, ValueError):  # a value typed before validation: as it is
        return text
    return text
