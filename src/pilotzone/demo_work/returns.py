"""Monthly statistical returns of the demo (企业统计月报): a year of accepted months for most demo
enterprises (so the dashboards and the reconciliation have declared figures), and for the last ended
month one return waiting for the bureau (the demo enterprise's), one returned with reasons, one draft.
Two enterprises filed the month before late, two have not filed it at all (overdue), two have never
filed a return. The history is written in bulk (submissions, returns, lines, and the figures through
``trade.store.write``: one batch per accepted return); the last month's states go through the services
the pages call (``trade.returns``: start, save, submit, send back)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from pilotzone import db
from pilotzone.demo_work.people import Cast
from pilotzone.registry.tables import Enterprise
from pilotzone.trade import returns, store
from pilotzone.trade.codes import Direction, Mode, Source
from pilotzone.trade.figures import Checked
from pilotzone.trade.return_dates import add_months, due_on, last_ended, return_day
from pilotzone.trade.return_form import ReturnForm
from pilotzone.trade.tables import TradeReturn, TradeReturnLine
from pilotzone.web.deadlines import tenant_today
from pilotzone.web.formats import TZ
from pilotzone.workflow import receipts
from pilotzone.workflow.states import Kind
from pilotzone.workflow.states import TradeReturnState as State
from pilotzone.workflow.tables import Submission

MONTHS = 12  # the accepted history reaches this many months back from the last ended month
# what each demo enterprise trades: (mode, direction, country, yuan per month)
TRADES = (
    (("9610", "export", "US", 420_000), ("9610", "export", "GB", 96_000)),
    (("9710", "export", "DE", 1_250_000), ("9610", "export", "FR", 88_000)),
    (("9810", "export", "US", 760_000), ("9810", "export", "CA", 210_000)),
    (("1210", "import", "JP", 540_000), ("9610", "import", "KR", 130_000)),
    (("9610", "export", "AU", 310_000), ("9710", "export", "SG", 480_000)),
    (("9610", "export", "MY", 150_000), ("1239", "import", "AU", 95_000)),
)


@dataclass
class Done:
    accepted: int = 0
    by_state: dict[str, list[int]] = field(default_factory=dict)


def lines_of(index: int, enterprise: int, period: date) -> list[Checked]:
    """The enterprise's plausible figures of a month: its trades with a seasonal swing (peaks before
    the year-end shopping season), exact to the fen."""
    swing = Decimal(100 + 12 * ((period.month + index) % 5) + (25 if period.month in (10, 11) else 0)) / 100
    out = []
    for mode, direction, country, base in TRADES[index % len(TRADES)]:
        value = (Decimal(base) * swing).quantize(Decimal("0.01"))
        orders = int(value / Decimal(180 if direction == "export" else 260))
        out.append(Checked(enterprise, period, Mode(mode), Direction(direction), country, value, orders, orders + orders // 9))
    return out


# the months whose declared figures are far off the official ones (enterprise index, months back):
# the reconciliation's demo flags; every other month is declared within ±2 % of the official figures
OFF = {(4, 2): Decimal("0.55"), (1, 4): Decimal("1.40")}
_OFFICIAL = """
SELECT mode, direction, country, value_cny, orders, parcels FROM trade_figure
 WHERE enterprise = $1 AND period = $2 AND source = 'official' ORDER BY mode, direction, country
"""


async def declared(index: int, enterprise: int, period: date, factor: Decimal | None = None) -> list[Checked]:
    """What the enterprise declares for a month: its official figures (the demo's customs statistics,
    seeded before the returns) within ±2 % — or ``factor`` times them —, else its own plausible trades."""
    rows = await db.fetch(_OFFICIAL, enterprise, period)
    if not rows:
        return lines_of(index, enterprise, period)
    scale = factor or Decimal(100 + (index * 7 + period.month) % 5 - 2) / 100
    out = []
    for r in rows:
        orders, parcels = int(r["orders"] * scale), int(r["parcels"] * scale)
        value = (Decimal(r["value_cny"]) * scale).quantize(Decimal("0.01"))
        out.append(Checked(enterprise, period, Mode(r["mode"]), Direction(r["direction"]), r["country"], value, orders, parcels))
    return out


def _moment(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=TZ).astimezone(UTC)


async def _accepted(
    cast: Cast, enterprise: Enterprise, index: int, period: date, day: int, late: bool, factor: Decimal | None = None
) -> int:
    """One accepted return, written in bulk (its figures too), filed on (or, late, after) its deadline."""
    due = due_on(period, day)
    at = _moment(due + timedelta(days=4) if late else due - timedelta(days=3 + index % 4), 10)
    sub = Submission(
        kind=Kind.TRADE_RETURN.value,
        subject_kind="enterprise",
        subject_id=enterprise.id,
        subject_label=enterprise.name,
        applicant_enterprise=enterprise.id,
        applicant_park=enterprise.park,
        district_code=enterprise.district_code or "",
        status=State.ACCEPTED.value,
        created_at=at - timedelta(days=1),
        updated_at=at + timedelta(days=2),
        submitted_at=at,
        moved_at=at + timedelta(days=2),
    )
    await sub.save()
    figures = await declared(index, enterprise.id, period, factor)
    await TradeReturn(
        id=sub.id, enterprise=enterprise.id, period=period, due_on=due, late=late, employees=20 + 7 * index
    ).save()
    await TradeReturnLine.insert(
        *[
            TradeReturnLine(
                trade_return=sub.id, mode=f.mode.value, direction=f.direction.value, country=f.country,
                value_cny=f.value_cny, orders=f.orders, parcels=f.parcels,
            )
            for f in figures
        ]
    )
    admin = cast["admin"]
    batch = await store.start_batch(Source.RETURN, receipts.reference(Kind.TRADE_RETURN, sub.id, at),
                                    created_by=admin.user_id, submission=sub.id)
    await store.finish_batch(batch, await store.write(figures, Source.RETURN, batch))
    return int(sub.id)


async def _form(index: int, enterprise: int, period: date) -> ReturnForm:
    lines = [
        {"mode": f.mode.value, "direction": f.direction.value, "country": f.country, "value_cny": str(f.value_cny),
         "orders": str(f.orders), "parcels": str(f.parcels)}
        for f in await declared(index, enterprise, period)
    ]
    return ReturnForm({"employees": str(20 + 7 * index)}, lines)


async def seed(cast: Cast, own: Enterprise, others: list[Enterprise]) -> Done:
    done = Done()
    day = await return_day()
    newest = last_ended(tenant_today())
    firms = [own, *others]
    for index, enterprise in enumerate(firms[:11]):  # the last two (others[10:]) never file
        for back in range(1, MONTHS):
            if back == 1 and index in (9, 10):
                continue  # the month before last: not filed, overdue
            period, late = add_months(newest, -back), back == 1 and index in (7, 8)
            await _accepted(cast, enterprise, index, period, day, late, OFF.get((index, back)))
            done.accepted += 1
    # the last ended month: filed and accepted by some, and one return in each open state
    for index in range(3, 7):
        await _accepted(cast, firms[index], index, newest, day, late=False)
        done.accepted += 1
    for index, state in ((0, "submitted"), (1, "returned"), (2, "draft")):
        enterprise = firms[index]
        who = cast.applicant(enterprise.id) if index else cast["enterprise"]
        return_id = await returns.start(who, enterprise.id, newest)
        ret = await returns.get(who, return_id)
        assert ret is not None  # noqa: S101 - just started by its own user
        if state == "draft":
            await returns.save(who, ret, await _form(index, enterprise.id, newest))
        else:
            outcome = await returns.submit(who, ret, await _form(index, enterprise.id, newest))
            assert not outcome.errors, outcome.errors  # noqa: S101 - the demo's figures pass the checks
        if state == "returned":
            submitted = await returns.get(who, return_id)
            assert submitted is not None  # noqa: S101
            await returns.send_back(cast["reviewer"], submitted, "9710 出口德国金额与报关单汇总不一致，请核对后重新报送。")
        done.by_state.setdefault(state, []).append(return_id)
    return done
