"""Official trade figures of the demo (官方数据): a year of plausible customs statistics for the city's
active enterprises — the last 12 closed months and the same months a year before (for year-on-year) —
written as one official batch labelled like an import file, through ``trade.store.write`` (the
importer's own write: history and counts as for a real file).

Plausible and deterministic (a random generator seeded by the city, the enterprise and the month):
mostly 9610 / 9710 / 9810 exports to the United States, Britain, Germany, Japan, Australia,
Singapore…; 1210 bonded imports (and 9610 retail imports) for a few enterprises; a November peak
(双十一, Black Friday) and a quiet Chinese New Year; about 15 % growth year on year.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from pilotzone.metrics import TZ
from pilotzone.registry.tables import Enterprise
from pilotzone.trade import store
from pilotzone.trade.codes import Direction, Mode, Source
from pilotzone.trade.figures import Checked

EXPORT_TO = ("US", "GB", "DE", "JP", "AU", "SG", "FR", "CA", "NL", "MY", "AE", "KR")
IMPORT_FROM = ("JP", "KR", "AU", "DE", "FR", "US", "NZ")
# the month's weight in the year: 双十一 and Black Friday in November, the Chinese New Year quiet
SEASON = {1: 0.85, 2: 0.7, 3: 0.9, 4: 0.95, 5: 1.0, 6: 1.05, 7: 0.95, 8: 1.0, 9: 1.05, 10: 1.15, 11: 1.6, 12: 1.3}
GROWTH = 1.15  # a year on the year before
# yuan per order, and parcels per order, by mode
ORDER_VALUE = {Mode.M9610: 320, Mode.M9710: 48_000, Mode.M9810: 26_000, Mode.M1210: 410}
PARCELS = {Mode.M9610: 1.0, Mode.M9710: 12.0, Mode.M9810: 30.0, Mode.M1210: 1.0}
FEN = Decimal("0.01")


@dataclass(frozen=True)
class Profile:
    """What an enterprise trades: its lines (mode, direction, country, weight) and its size (yuan/month)."""

    lines: tuple[tuple[Mode, Direction, str, float], ...]
    size: float


def months(today: date | None = None) -> list[date]:
    """The last 12 closed months and the 12 before them, oldest first."""
    today = today or datetime.now(ZoneInfo(TZ)).date()
    out, year, month = [], today.year, today.month
    for _i in range(24):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        out.append(date(year, month, 1))
    return out[::-1]


def profile(seed: str) -> Profile:
    rnd = random.Random(seed)  # noqa: S311 - demo figures, not a secret
    modes = [Mode.M9610] if rnd.random() < 0.85 else []
    modes += [m for m, chance in ((Mode.M9710, 0.5), (Mode.M9810, 0.4)) if rnd.random() < chance]
    modes = modes or [Mode.M9710]
    lines: list[tuple[Mode, Direction, str, float]] = []
    for mode in modes:
        for country in rnd.sample(EXPORT_TO[:6], 2) + rnd.sample(EXPORT_TO[6:], 1):
            lines.append((mode, Direction.EXPORT, country, rnd.uniform(0.4, 1.6)))
    if rnd.random() < 0.3:  # a few import through the bonded zone (and some retail imports)
        for country in rnd.sample(IMPORT_FROM, 2):
            lines.append((Mode.M1210, Direction.IMPORT, country, rnd.uniform(0.2, 0.6)))
        if rnd.random() < 0.5:
            lines.append((Mode.M9610, Direction.IMPORT, rnd.choice(IMPORT_FROM), rnd.uniform(0.1, 0.3)))
    return Profile(tuple(lines), rnd.uniform(300_000, 8_000_000))


def figures(slug: str, enterprises: list[tuple[int, str]], today: date | None = None) -> list[Checked]:
    """The checked rows of the city's demo figures (``enterprises``: id and credit code)."""
    span = months(today)
    rows: list[Checked] = []
    for enterprise_id, uscc in enterprises:
        shape = profile(f"{slug}-{uscc}")
        weights = sum(w for *_rest, w in shape.lines)
        for i, month in enumerate(span):
            rnd = random.Random(f"{slug}-{uscc}-{month:%Y-%m}")  # noqa: S311 - demo figures
            total = shape.size * SEASON[month.month] * GROWTH ** ((i - 23) / 12) * rnd.uniform(0.9, 1.1)
            for mode, direction, country, weight in shape.lines:
                value = Decimal(total * weight / weights * rnd.uniform(0.85, 1.15)).quantize(FEN)
                orders = max(1, int(value / ORDER_VALUE[mode]))
                rows.append(
                    Checked(
                        enterprise=enterprise_id,
                        period=month,
                        mode=mode,
                        direction=direction,
                        country=country,
                        value_cny=value,
                        orders=orders,
                        parcels=max(1, round(orders * PARCELS[mode] * rnd.uniform(0.9, 1.1))),
                    )
                )
    return rows


async def seed(slug: str, today: date | None = None) -> int:
    """The city's official figures (in the caller's tenant transaction); the number of rows written."""
    found = await Enterprise.select(Enterprise.id, Enterprise.uscc).where(Enterprise.status == "active")
    chosen = sorted((r["id"], r["uscc"]) for r in found)
    rows = figures(slug, chosen, today)
    if not rows:
        return 0
    span = months(today)
    batch = await store.start_batch(Source.OFFICIAL, f"单一窗口统计数据_{slug}_{span[0]:%Y%m}-{span[-1]:%Y%m}.xlsx")
    counts = await store.write(rows, Source.OFFICIAL, batch)
    await store.finish_batch(batch, counts)
    return len(rows)
