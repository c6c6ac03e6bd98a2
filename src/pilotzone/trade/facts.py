"""Trade facts: the trade figures a funding formula or eligibility expression can name.

One regular name per source × direction × mode (or all modes) × window::

    <source>_<direction>[_<mode>]_<window>

- ``source``: ``official`` (官方数据（单一窗口）, :attr:`Source.OFFICIAL`), ``declared`` (the enterprise's
  accepted monthly returns, 企业统计月报, :attr:`Source.RETURN`), ``reported`` (API clients,
  :attr:`Source.API`);
- ``direction``: ``export`` | ``import``;
- ``mode``: one of the customs modes (``9610``, ``9710``, ``9810``, ``1210``, ``1239``) where the
  combination exists (``trade.codes.COMBINATIONS``), or left out: all modes of that direction;
- ``window``: ``this_year`` (the calendar year of the reference date) or ``last_year`` (the year
  before). A funding round's reference date is its opening date, the CLI's ``evaluate`` uses today.

E.g. ``official_export_9610_last_year``, ``official_export_last_year``, ``declared_export_this_year``,
``official_import_1210_last_year``. The value is the sum of ``value_cny`` (元, Decimal) of the
enterprise's current figures of that source in the window's months, over countries; no figure is 0.
An overseas warehouse's facts are those of the enterprise that runs it; parks and talents have none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from pilotzone import db
from pilotzone.trade.codes import COMBINATIONS, Direction, Mode, Source

ZERO = Decimal("0.00")
SOURCES: dict[str, Source] = {"official": Source.OFFICIAL, "declared": Source.RETURN, "reported": Source.API}
WINDOWS: dict[str, int] = {"this_year": 0, "last_year": 1}  # years before the reference year

# how the explanation names each source (zh, en)
SOURCE_WORDS: dict[str, tuple[str, str]] = {
    "official": ("官方数据（单一窗口）", "official data (single window)"),
    "declared": ("申报值（已受理的统计月报）", "declared (accepted monthly returns)"),
    "reported": ("接口报送", "reported by an API client"),
}
_WINDOW_WORDS = {"this_year": ("当年", "this year"), "last_year": ("上年", "last year")}


@dataclass(frozen=True)
class TradeFact:
    """What one trade fact name means."""

    name: str
    source: str  # a key of SOURCES
    direction: Direction
    mode: Mode | None  # None: all modes of the direction
    window: str  # a key of WINDOWS

    def year(self, reference_year: int) -> int:
        return reference_year - WINDOWS[self.window]

    def label(self, zh: bool, year: int | None = None) -> str:
        """``官方数据（单一窗口）2025 年 9610 出口`` (``上年`` without a year) / ``official data (single
        window) 9610 exports 2025``."""
        source = SOURCE_WORDS[self.source][0 if zh else 1]
        mode = f"{self.mode.value} " if self.mode is not None else ""
        if zh:
            when = f"{year} 年" if year is not None else _WINDOW_WORDS[self.window][0]
            return f"{source}{when}{' ' + mode if mode else ''}{self.direction.zh}"
        when = str(year) if year is not None else _WINDOW_WORDS[self.window][1]
        what = "exports" if self.direction == Direction.EXPORT else "imports"
        return f"{source} {mode}{what} {when}"


def _all_facts() -> dict[str, TradeFact]:
    facts: dict[str, TradeFact] = {}
    combinations = sorted(((d, m) for m, d in COMBINATIONS), key=lambda dm: (dm[0].value, dm[1].value))
    modes: list[tuple[Direction, Mode | None]] = [(d, None) for d in Direction]
    modes += combinations
    for source in SOURCES:
        for direction, mode in modes:
            for window in WINDOWS:
                middle = f"_{mode.value}" if mode is not None else ""
                name = f"{source}_{direction.value}{middle}_{window}"
                facts[name] = TradeFact(name, source, direction, mode, window)
    return facts


TRADE_FACTS: dict[str, TradeFact] = _all_facts()
TRADE_NAMES: frozenset[str] = frozenset(TRADE_FACTS)

Key = tuple[str, str, str, int]  # (source value, mode, direction, year)


@dataclass(frozen=True)
class TradeFacts:
    """One enterprise's sums per (source, mode, direction, year) around ``year`` (the reference year)."""

    year: int
    sums: dict[Key, Decimal] = field(default_factory=dict)

    def value(self, name: str) -> Decimal:
        """The value of a trade fact name (0 where there is no figure); KeyError for an unknown name."""
        fact = TRADE_FACTS[name]
        source, year = SOURCES[fact.source].value, fact.year(self.year)
        modes = [fact.mode] if fact.mode is not None else list(Mode)
        total = sum(
            (self.sums.get((source, mode.value, fact.direction.value, year), ZERO) for mode in modes), ZERO
        )
        return total.quantize(Decimal("0.01"))


_SUMS = """
SELECT enterprise, source, mode, direction, extract(year FROM period)::int AS year, sum(value_cny) AS value
  FROM trade_figure
 WHERE enterprise = ANY($1::int[]) AND period >= $2 AND period < $3
 GROUP BY enterprise, source, mode, direction, extract(year FROM period)
"""


async def trade_facts(enterprise_ids: Iterable[int], year: int) -> dict[int, TradeFacts]:
    """The trade facts of each enterprise for the reference ``year`` (its year and the one before), in
    one query in the caller's tenant transaction; every id asked for gets an entry (empty: all 0)."""
    ids = sorted(set(enterprise_ids))
    if not ids:
        return {}
    oldest = year - max(WINDOWS.values())
    sums: dict[int, dict[Key, Decimal]] = {i: {} for i in ids}
    for row in await db.fetch(_SUMS, ids, date(oldest, 1, 1), date(year + 1, 1, 1)):
        sums[row["enterprise"]][(row["source"], row["mode"], row["direction"], row["year"])] = Decimal(row["value"])
    return {i: TradeFacts(year, sums[i]) for i in ids}


def facts_used(names: Iterable[str]) -> frozenset[str]:
    """The trade fact names among ``names`` (e.g. the names a compiled formula uses)."""
    return frozenset(n for n in names if n in TRADE_FACTS)
