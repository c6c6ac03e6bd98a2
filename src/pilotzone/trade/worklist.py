"""What trade data has waiting for a user (the workspace, ``pilotzone.home``): for an enterprise user the
monthly return of the last ended month while it is not submitted (with its deadline) and returns sent
back for correction; for bureau administrators and reviewers the submitted returns to check."""

from __future__ import annotations

from datetime import datetime, time

from pilotzone import db
from pilotzone.auth.principal import Principal
from pilotzone.trade import return_dates as dates
from pilotzone.trade.return_bureau import queue
from pilotzone.web.formats import TZ
from pilotzone.web.i18n import gettext as _
from pilotzone.web.worklist import Link, Todo, WorkEntry, compact, todo
from pilotzone.workflow.states import TradeReturnState as State

_OPEN = f"""
SELECT r.id, r.period, r.due_on, s.status, s.moved_at, s.created_at, s.submitted_at
  FROM trade_return r JOIN submission s ON s.id = r.id AND s.tenant_id = r.tenant_id
 WHERE r.enterprise = $1 AND (s.status = '{State.RETURNED.value}' OR r.period = $2)
 ORDER BY r.period DESC
"""  # noqa: S608 - fixed SQL text


def _end_of(day: object) -> datetime:
    return datetime.combine(day, time.max, tzinfo=TZ)  # type: ignore[arg-type]


async def todos(principal: Principal) -> list[Todo]:
    m = principal.acting
    if principal.province or m is None:
        return []
    if m.role in ("bureau_admin", "bureau_reviewer"):
        return compact([await _to_check()])
    if m.role == "enterprise_user" and m.enterprise_id is not None:
        return compact(await _mine(m.enterprise_id))
    return []


async def _to_check() -> Todo | None:
    entries = [
        WorkEntry(
            label=r["subject_label"],
            link=Link("trade_return", {"return_id": r["id"]}),
            note=r["month"],
            since=r["submitted_at"],
        )
        for r in await queue()
    ]
    return todo("trade.returns", _("Monthly returns to check"), Link("return_queue"), entries)


async def _mine(enterprise: int) -> list[Todo | None]:
    period = dates.last_ended()
    rows = [dict(r) for r in await db.fetch(_OPEN, enterprise, period)]
    current = next((r for r in rows if r["period"] == period), None)
    due: list[WorkEntry] = []
    if current is None or current["submitted_at"] is None:
        day = dates.due_on(period, await dates.return_day())
        link = Link("trade_return", {"return_id": current["id"]}) if current else Link("returns", query={"period": dates.period_text(period)})
        due.append(WorkEntry(label=_("Monthly return %(month)s", month=dates.period_label(period)), link=link, due=_end_of(day)))
    returned = [
        WorkEntry(
            label=_("Monthly return %(month)s", month=dates.period_label(r["period"])),
            link=Link("trade_return", {"return_id": r["id"]}),
            since=r["moved_at"],
        )
        for r in rows
        if r["status"] == State.RETURNED.value
    ]
    return [
        todo("trade.return_due", _("Monthly return to file"), Link("returns"), due),
        todo("trade.returned", _("Monthly returns to correct"), Link("returns"), returned),
    ]
