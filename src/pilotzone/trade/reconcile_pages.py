"""The bureau's reconciliation page ``/z/<slug>/trade/reconciliation/`` (bureau admins and reviewers):
the flags of ``trade_gap`` filtered by month, mode and status (open by default), 50 a page, each with
both numbers, the gap in 元 and %, a link to the enterprise's file (一企一档) and, while not cleared, a
form to explain it (a note: ``POST …/<id>/explain``, audited ``trade_gap.explained``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from pilotzone import db
from pilotzone.auth.guards import allow, tenant
from pilotzone.auth.principal import current_principal
from pilotzone.trade.codes import GapStatus, Mode
from pilotzone.trade.reconcile import NoteError, explain_gap, tolerance
from pilotzone.web.forms import URL_ENCODED
from pilotzone.web.i18n import gettext as _
from pilotzone.web.labels import label
from pilotzone.web.render import page_of, render
from pilotzone.web.urls import url_for

BUREAU = tenant("bureau_admin", "bureau_reviewer", province_read=False)
PAGE_SIZE = 50
ALL = "all"

_FROM = """
  FROM trade_gap g JOIN enterprise e ON e.id = g.enterprise AND e.tenant_id = g.tenant_id
 WHERE ($1::date IS NULL OR g.period = $1) AND ($2 = '' OR g.mode = $2) AND ($3 = '' OR g.status = $3)"""
_ROWS = (
    "SELECT g.id, g.enterprise, e.name, e.uscc, g.period, g.mode, g.declared, g.official, g.gap, g.gap_percent,"
    " g.status, g.note, g.noted_at" + _FROM + " ORDER BY g.period DESC, abs(g.gap) DESC, g.id LIMIT $4 OFFSET $5"
)
_MONTHS = "SELECT DISTINCT period FROM trade_gap ORDER BY period DESC LIMIT 60"


class Chosen(msgspec.Struct):
    period: date | None
    mode: str
    status: str  # '' = every status
    page: int

    def query(self) -> str:
        """The filter as query parameters (for the pager and the forms' way back)."""
        parts = [f"period={self.period:%Y-%m}" if self.period else "", f"mode={self.mode}" if self.mode else "",
                 f"status={self.status or ALL}"]
        return "&".join(p for p in parts if p)


def chosen_of(request: Request) -> Chosen:
    """The filter from the query; an unknown value is ignored (the whole list, as without it)."""
    q = request.query_params
    period = None
    raw = q.get("period", "")
    if len(raw) == 7 and raw[4] == "-" and raw.replace("-", "").isdigit() and 1 <= int(raw[5:]) <= 12:
        period = date(int(raw[:4]), int(raw[5:]), 1)
    mode = q.get("mode", "")
    status = q.get("status", GapStatus.OPEN.value)
    page = q.get("page", "1")
    return Chosen(
        period=period,
        mode=mode if mode in Mode.values() else "",
        status=status if status in GapStatus.values() else "",
        page=int(page) if page.isdigit() else 1,
    )


async def _context(chosen: Chosen) -> dict:
    args = (chosen.period, chosen.mode, chosen.status)
    total = (await db.fetch("SELECT count(*)" + _FROM, *args))[0][0]  # noqa: S608 - fixed SQL text
    page = page_of(chosen.page, PAGE_SIZE, total)
    rows = [dict(r) for r in await db.fetch(_ROWS, *args, page.size, page.offset)]
    for row in rows:
        row["mode_label"] = label(Mode, row["mode"])
        row["status_label"] = label(GapStatus, row["status"])
    months = [r["period"] for r in await db.fetch(_MONTHS)]
    return {
        "rows": rows,
        "page": page,
        "chosen": chosen,
        "months": months,
        "modes": [(m.value, label(m)) for m in Mode],
        "statuses": [(s.value, label(s)) for s in GapStatus],
        "all": ALL,
        "tolerance": await tolerance(),
    }


class ExplainForm(msgspec.Struct):
    note: str = ""
    back: str = ""  # the filter to return to


class ReconciliationController(Controller):
    path = "/z/{slug:str}/trade/reconciliation"

    @get("/", name="trade_reconciliation", opt=allow(BUREAU))
    async def index(self, request: Request) -> Template:
        context = await _context(chosen_of(request))
        return render(request, "trade/reconciliation.html", context, partial="trade/partials/reconciliation.html")

    @post("/{gap_id:int}/explain", name="trade_gap_explain", opt=allow(BUREAU), status_code=303)
    async def explain(
        self, request: Request, slug: FromPath[str], gap_id: FromPath[int], data: Annotated[ExplainForm, URL_ENCODED]
    ) -> Redirect | Template:
        back = data.back if data.back.replace("=", "").replace("&", "").replace("-", "").isalnum() else ""
        try:
            await explain_gap(gap_id, data.note[:2000], current_principal().user_id)
        except LookupError:
            raise NotFoundException("no such flag") from None
        except NoteError as exc:
            context = await _context(chosen_of(request))
            message = _("Write what explains the gap.") if str(exc) == "note" else _("This gap has been cleared.")
            context.update({"error_id": gap_id, "error": message})
            return render(request, "trade/reconciliation.html", context, status_code=400)
        target = url_for(request, "trade_reconciliation", slug=slug)
        return Redirect(path=f"{target}?{back}" if back else target, status_code=303)
