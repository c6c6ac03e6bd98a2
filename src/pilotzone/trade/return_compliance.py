"""Who filed the return of a month (报送情况), for the bureau: every active enterprise of the pilot zone
with its return of that month, sorted into filed on time, filed late (逾期报送), overdue (not filed and
the deadline has passed), not yet due; and whether it has ever filed a return at all. The bureau ticks
enterprises and chases them (催报): one ``return_chased`` message to each enterprise's users, keyed per
enterprise, month and day, so a second click on the same day sends nothing again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pilotzone import db
from pilotzone.auth import audit
from pilotzone.notify.events import Event
from pilotzone.notify.services import emit, users_of
from pilotzone.tenancy.context import current_context
from pilotzone.trade.return_dates import due_on, period_label, period_text, return_day
from pilotzone.web.deadlines import tenant_today
from pilotzone.web.labels import N_
from pilotzone.workflow.states import TradeReturnState as State

# the standing of an enterprise for a month, in the order the page lists them
ON_TIME, LATE, OVERDUE, NOT_DUE = "on_time", "late", "overdue", "not_due"
STANDINGS = {
    ON_TIME: N_("Filed on time"),
    LATE: N_("Filed late"),
    OVERDUE: N_("Overdue: not filed"),
    NOT_DUE: N_("Not filed yet (not due)"),
}
_FILED = (State.SUBMITTED.value, State.ACCEPTED.value, State.RETURNED.value)

_ROWS = """
SELECT e.id, e.name, e.uscc, r.id AS return_id, s.status, s.submitted_at, coalesce(r.late, false) AS late,
       EXISTS (SELECT 1 FROM trade_return r2 JOIN submission s2 ON s2.id = r2.id AND s2.tenant_id = r2.tenant_id
                WHERE r2.enterprise = e.id AND s2.submitted_at IS NOT NULL) AS ever
  FROM enterprise e
  LEFT JOIN trade_return r ON r.enterprise = e.id AND r.tenant_id = e.tenant_id AND r.period = $1
  LEFT JOIN submission s ON s.id = r.id AND s.tenant_id = r.tenant_id
 WHERE e.status = 'active'
 ORDER BY e.name, e.id
"""  # noqa: S608 - fixed SQL text


@dataclass(frozen=True)
class Standing:
    enterprise: int
    name: str
    uscc: str
    standing: str  # ON_TIME, LATE, OVERDUE or NOT_DUE
    return_id: int | None
    status: str  # the return's state ("" when there is none)
    ever: bool  # has filed any return

    @property
    def chaseable(self) -> bool:
        return self.standing in (OVERDUE, NOT_DUE)


def standing_of(status: str | None, submitted: bool, late: bool, due: date, today: date) -> str:
    if submitted and status in _FILED:
        return LATE if late else ON_TIME
    return OVERDUE if today > due else NOT_DUE


async def month(period: date, today: date | None = None) -> tuple[date, list[Standing]]:
    """The deadline of ``period`` and every active enterprise's standing for it."""
    today = today or tenant_today()
    due = due_on(period, await return_day())
    rows = await db.fetch(_ROWS, period)
    return due, [
        Standing(
            r["id"],
            r["name"],
            r["uscc"],
            standing_of(r["status"], r["submitted_at"] is not None, r["late"], due, today),
            r["return_id"],
            r["status"] or "",
            bool(r["ever"]),
        )
        for r in rows
    ]


def counts(rows: list[Standing]) -> dict[str, int]:
    found = {key: 0 for key in STANDINGS}
    for row in rows:
        found[row.standing] += 1
    found["never"] = sum(1 for r in rows if not r.ever)
    return found


async def chase(period: date, enterprise_ids: list[int], today: date | None = None) -> list[int]:
    """Chase the ticked enterprises that have not filed ``period``: one message per enterprise user
    (once per enterprise, month and day). Returns the enterprises chased."""
    today = today or tenant_today()
    due, rows = await month(period, today)
    wanted = set(enterprise_ids)
    chased: list[int] = []
    ctx = current_context()
    slug = ctx.slug if ctx else ""
    for row in rows:
        if row.enterprise not in wanted or not row.chaseable:
            continue
        users = await users_of(roles=("enterprise_user",), enterprise_id=row.enterprise)
        await emit(
            Event.RETURN_CHASED,
            users,
            link=f"/z/{slug}/returns/?period={period_text(period)}",
            params={"title": period_label(period), "due": due.isoformat(), "reference": row.name},
            key=f"return_chased:{row.enterprise}:{period_text(period)}:{today.isoformat()}",
        )
        chased.append(row.enterprise)
    if chased:
        await audit.record(
            "trade_return.chased", "trade_return", period_text(period), after={"enterprises": chased}
        )
    return chased
