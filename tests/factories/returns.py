"""Monthly statistical returns (``trade_return`` and its lines, a submission of kind ``trade_return``):
Piccolo inserts in the tenant's transaction, for arranging histories (accepted months for the jump
check, filed and late months for the compliance page) without the pages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from tests.factories.base import acting_in
from tests.factories.workflow import submission

from pilotzone.trade.tables import TradeReturn, TradeReturnLine
from pilotzone.workflow.states import Kind

# (mode, direction, country, value in yuan, orders, parcels)
Line = tuple[str, str, str, Decimal, int, int]


async def trade_return(
    slug: str,
    enterprise: int,
    period: date,
    *,
    status: str = "accepted",
    lines: Sequence[Line] = (),
    late: bool = False,
    due_on: date | None = None,
    submitted_at: datetime | None = None,
    label: str = "测试企业",
) -> int:
    """A return of ``enterprise`` for ``period`` in ``status`` (submitted now unless it is a draft)."""
    at = submitted_at or (None if status == "draft" else datetime.now(UTC))
    async with acting_in(slug):
        sub = await submission(
            slug,
            Kind.TRADE_RETURN,
            "enterprise",
            enterprise,
            status=status,
            subject_label=label,
            applicant_enterprise=enterprise,
            submitted_at=at,
        )
        due = due_on or date(period.year + period.month // 12, period.month % 12 + 1, 10)
        await TradeReturn(id=sub.id, enterprise=enterprise, period=period, due_on=due, late=late, employees=5).save()
        if lines:
            await TradeReturnLine.insert(
                *[
                    TradeReturnLine(trade_return=sub.id, mode=m, direction=d, country=c, value_cny=v, orders=o, parcels=p)
                    for m, d, c, v, o, p in lines
                ]
            )
    return int(sub.id)
