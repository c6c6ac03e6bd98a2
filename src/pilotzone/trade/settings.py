"""The tenant's trade settings, from the ``[trade]`` section of its TOML (written by ``provisioning`` on
``tenants sync``), one ``trade_setting`` row per tenant: the day of the next month by which a monthly
return is due (``return_day``, 1–28, default 10) and the reconciliation's tolerance in percent of the
official figure (``tolerance_percent``, 0–100, default 10). A tenant without the row has the defaults."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from pilotzone import db
from pilotzone.trade.tables import TradeSetting

DEFAULT_DAY = 10
DEFAULT_TOLERANCE = Decimal(10)


class Settings(msgspec.Struct, frozen=True):
    return_day: int = DEFAULT_DAY
    tolerance_percent: Decimal = DEFAULT_TOLERANCE


async def current() -> Settings:
    """The current tenant's settings (RLS picks its row)."""
    rows = await db.fetch("SELECT return_day, tolerance_percent FROM trade_setting LIMIT 1")
    if not rows:
        return Settings()
    return Settings(int(rows[0]["return_day"]), Decimal(rows[0]["tolerance_percent"]))


async def save(settings: Settings) -> None:
    """Write the current tenant's settings; nothing when unchanged."""
    row = await TradeSetting.objects().first()
    if row is None:
        await TradeSetting(return_day=settings.return_day, tolerance_percent=settings.tolerance_percent).save()
    elif (row.return_day, Decimal(row.tolerance_percent)) != (settings.return_day, settings.tolerance_percent):
        await TradeSetting.update(
            {TradeSetting.return_day: settings.return_day, TradeSetting.tolerance_percent: settings.tolerance_percent}
        ).where(TradeSetting.id == row.id)
