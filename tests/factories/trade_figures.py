"""Trade figures (``trade_figure``) written the way every source writes them: ``trade.figures.check_rows``
then ``trade.store.write`` in a batch of that source, in the tenant's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from tests.factories.base import acting_in

from pilotzone.trade.codes import Source
from pilotzone.trade.figures import Figure, check_rows, enterprise_ids
from pilotzone.trade.store import Counts, start_batch, write
from pilotzone.web.deadlines import tenant_today


async def trade_figures(
    slug: str, source: Source, rows: Sequence[tuple[str, str, str, str, str, str | Decimal]],
    today: date | None = None,
) -> Counts:
    """Figures of ``source``: each row (uscc, "YYYY-MM", mode, direction, country, value_cny); orders and
    parcels 1. Refused rows raise (a factory's rows are meant to be valid)."""
    figures = [
        Figure(uscc=u, period=p, mode=m, direction=d, country=c, value_cny=Decimal(v), orders=1, parcels=1)
        for u, p, m, d, c, v in rows
    ]
    async with acting_in(slug):
        ids = await enterprise_ids([f.uscc for f in figures])
        checked, problems = check_rows(figures, today or tenant_today(), ids)
        assert problems == [], problems
        batch = await start_batch(source, "test")
        return await write(checked, source, batch)
