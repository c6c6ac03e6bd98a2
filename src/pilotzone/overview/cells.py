"""The cells and tables every dashboard output shows (page, exports, reports): one cell list per row."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pilotzone.web.formats import grouped


@dataclass
class Cell:
    value: Any  # int | Decimal | str | None (None shows as –)
    href: str | None = None
    text: str = ""

    def __post_init__(self) -> None:
        if not self.text:
            self.text = show(self.value)


def show(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, Decimal):  # thousands separators, the decimals it arrives with
        exponent = value.as_tuple().exponent
        return grouped(value, max(0, -exponent) if isinstance(exponent, int) else None)
    if isinstance(value, int) and not isinstance(value, bool):
        return grouped(value)
    return str(value)  # amounts arrive quantized to the fen, medians to a tenth


@dataclass
class Table:
    key: str
    caption: str
    headers: list[str]
    rows: list[list[Cell]]
    totals: list[Cell] | None = None
    sort_keys: list[str] = field(default_factory=list)  # per column ('' = not sortable)
