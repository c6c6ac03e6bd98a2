"""The bureau's pages of monthly returns (bureau administrators and reviewers): the queue of submitted
returns to check (统计月报审核) and a month's compliance (报送情况: filed on time, late, overdue, not
due; never filed) with the bulk chase (催报)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from pilotzone import db
from pilotzone.auth.guards import allow
from pilotzone.trade import return_compliance as compliance
from pilotzone.trade import return_dates as dates
from pilotzone.trade.return_pages import DECIDERS
from pilotzone.web.formats import amount
from pilotzone.web.forms import URL_ENCODED
from pilotzone.web.i18n import gettext as _
from pilotzone.web.i18n import ngettext
from pilotzone.web.labels import label
from pilotzone.web.render import render
from pilotzone.workflow.states import TradeReturnState as State

_QUEUE = f"""
SELECT r.id, r.period, r.late, r.confirmed_jumps, s.subject_label, s.submitted_at,
       (SELECT coalesce(sum(l.value_cny), 0) FROM trade_return_line l
         WHERE l.trade_return = r.id AND l.tenant_id = r.tenant_id) AS total
  FROM trade_return r JOIN submission s ON s.id = r.id AND s.tenant_id = r.tenant_id
 WHERE s.status = '{State.SUBMITTED.value}'
 ORDER BY s.submitted_at, r.id
 LIMIT 500
"""  # noqa: S608 - fixed SQL text


async def queue() -> list[dict[str, Any]]:
    """The submitted returns waiting for a decision, oldest first."""
    rows = [dict(r) for r in await db.fetch(_QUEUE)]
    for row in rows:
        row["month"] = dates.period_label(row["period"])
        row["total_text"] = amount(row["total"])
    return rows


class ChaseForm(msgspec.Struct):
    """The ticked enterprises (one ticked decodes as text, several as a list) and the month."""

    period: str = ""
    enterprise: list[str] | str = []

    def ids(self) -> list[int]:
        ticked = [self.enterprise] if isinstance(self.enterprise, str) else self.enterprise
        return [int(v) for v in ticked if v.isdigit()]


async def _compliance(request: Request, text: str, **extra: Any) -> Template:
    period = dates.parse_period(text) or dates.last_ended()
    error = "" if not text or dates.parse_period(text) else _("Choose a month.")
    due, rows = await compliance.month(period)
    context = {
        "period": period,
        "period_text": dates.period_text(period),
        "month": dates.period_label(period),
        "months": [(dates.period_text(p), dates.period_label(p)) for p in dates.recent()],
        "due": due,
        "rows": rows,
        "counts": compliance.counts(rows),
        "standings": compliance.STANDINGS,
        "error": error,
        "state_label": lambda status: label(State, status) if status else "—",
        **extra,
    }
    return render(request, "trade/returns/compliance.html", context, status_code=400 if error else 200)


class ReturnBureauController(Controller):
    path = "/z/{slug:str}/returns"

    @get("/queue", name="return_queue", opt=allow(DECIDERS))
    async def queue(self, request: Request) -> Template:
        return render(request, "trade/returns/queue.html", {"rows": await queue()})

    @get("/compliance", name="return_compliance", opt=allow(DECIDERS))
    async def compliance_page(self, request: Request, period: FromQuery[str] = "") -> Template:
        return await _compliance(request, period)

    @post("/compliance", name="return_chase", opt=allow(DECIDERS), status_code=200)
    async def chase(self, request: Request, slug: FromPath[str], data: Annotated[ChaseForm, URL_ENCODED]) -> Template:
        period = dates.parse_period(data.period)
        if period is None:
            return await _compliance(request, data.period)
        chased = await compliance.chase(period, data.ids())
        note = (
            ngettext("%(num)d enterprise chased.", "%(num)d enterprises chased.", len(chased))
            if chased
            else _("Nobody was chased: tick enterprises that have not filed.")
        )
        return await _compliance(request, data.period, note=note, chased=set(chased))
