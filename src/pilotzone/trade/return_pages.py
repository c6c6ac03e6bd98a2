"""The pages of monthly returns for an enterprise and on one return: my returns by month (which are
due, late, filed; start the return of a month), the return's page (the form while it is a draft or
returned: lines added and removed with and without JavaScript, save, submit → receipt; the reasons of a
return; the bureau's accept / return-with-reasons)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from pilotzone import db
from pilotzone.auth.guards import allow, tenant
from pilotzone.auth.principal import Principal, current_principal
from pilotzone.trade import return_dates as dates
from pilotzone.trade import return_form, returns
from pilotzone.trade.codes import COMBINATIONS, Direction, Mode
from pilotzone.trade.countries import COUNTRIES, country_name
from pilotzone.trade.return_form import ReturnForm
from pilotzone.trade.returns import Return, ReturnError
from pilotzone.web.deadlines import file_by
from pilotzone.web.formats import amount
from pilotzone.web.forms import URL_ENCODED
from pilotzone.web.i18n import gettext as _
from pilotzone.web.labels import label
from pilotzone.web.render import render
from pilotzone.web.urls import url_for
from pilotzone.workflow import receipts, submissions
from pilotzone.workflow.forms import posted
from pilotzone.workflow.states import TradeReturnState as State

ENTERPRISE = tenant("enterprise_user", province_read=False)
READERS = tenant("enterprise_user", "bureau_admin", "bureau_reviewer", province_read=False)
DECIDERS = tenant("bureau_admin", "bureau_reviewer", province_read=False)


class StartForm(msgspec.Struct):
    period: str = ""


class SendBackForm(msgspec.Struct):
    reasons: str = ""


_MINE = """
SELECT r.id, r.period, r.due_on, r.late, s.status, s.submitted_at
  FROM trade_return r JOIN submission s ON s.id = r.id AND s.tenant_id = r.tenant_id
 WHERE r.enterprise = $1 AND r.period >= $2
 ORDER BY r.period DESC
"""


async def my_months(enterprise: int) -> list[dict[str, Any]]:
    """The last months with their return (or none), deadline and state, newest first."""
    months = dates.recent()
    day = await dates.return_day()
    found = {r["period"]: dict(r) for r in await db.fetch(_MINE, enterprise, months[-1])}
    out = []
    for period in months:
        row = found.get(period)
        due = dates.due_on(period, day)
        submitted = row is not None and row["submitted_at"] is not None
        out.append(
            {
                "period": period,
                "text": dates.period_text(period),
                "label": dates.period_label(period),
                "due": None if submitted else file_by(due),
                "due_on": due,
                "id": row["id"] if row else None,
                "state": label(State, row["status"]) if row else _("Not started"),
                "late": bool(row and row["late"]),
            }
        )
    return out


def _enterprise_of(principal: Principal) -> int:
    m = principal.acting
    if m is None or m.enterprise_id is None:
        raise NotFoundException("no enterprise")
    return int(m.enterprise_id)


def options() -> dict[str, Any]:
    """The choices of a line: modes, directions (the pairs that exist are said in the hint), countries."""
    pairs = sorted(f"{m.value} {label(d)}" for m, d in COMBINATIONS)
    countries = sorted(((c, country_name(c)) for c in COUNTRIES), key=lambda item: item[1])
    return {"modes": list(Mode), "directions": list(Direction), "countries": countries, "pairs": pairs}


async def _context(request: Request, ret: Return, form: ReturnForm | None = None, errors: dict | None = None) -> dict[str, Any]:
    principal = current_principal()
    form = form or return_form.from_stored(submissions.values_of(ret.sub.values))
    can_edit = returns.editable(principal, ret)
    if can_edit and not form.lines:
        form.lines = return_form.blank().lines
    stored = await returns.lines(ret.id) if not can_edit else []
    return {
        "ret": ret,
        "title": returns.title(ret),
        "form": form,
        "errors": errors or {},
        "can_edit": can_edit,
        "can_decide": returns.decidable(principal, ret),
        "status_label": label(State, ret.sub.status),
        "warehouse": await returns.has_warehouse(ret.app.enterprise),
        "deadline": file_by(ret.app.due_on) if ret.sub.submitted_at is None else None,
        "reasons": await returns.last_reasons(ret.id),
        "stored": stored,
        "total": amount(sum((line.value_cny for line in stored), start=0)) if stored else "",
        "country_label": country_name,
        "action_url": url_for(request, "return_save", slug=request.path_params["slug"], return_id=ret.id),
        **options(),
    }


async def _page(request: Request, ret: Return, form: ReturnForm | None = None, errors: dict | None = None,
                status: int = 200, receipt: receipts.Receipt | None = None) -> Template:
    context = {**await _context(request, ret, form, errors), "receipt": receipt}
    return render(request, "trade/returns/return.html", context, status_code=status)


async def _found(return_id: int) -> Return:
    ret = await returns.get(current_principal(), return_id)
    if ret is None:
        raise NotFoundException("return not found")
    return ret


class ReturnController(Controller):
    path = "/z/{slug:str}/returns"

    @get("/", name="returns", opt=allow(ENTERPRISE))
    async def mine(self, request: Request, period: FromQuery[str] = "") -> Template:
        enterprise = _enterprise_of(current_principal())
        return render(request, "trade/returns/mine.html", {"months": await my_months(enterprise), "chosen": period})

    @post("/", name="return_start", opt=allow(ENTERPRISE), status_code=303)
    async def start(self, request: Request, slug: FromPath[str], data: Annotated[StartForm, URL_ENCODED]) -> Redirect | Template:
        principal = current_principal()
        enterprise = _enterprise_of(principal)
        period = dates.parse_period(data.period)
        try:
            if period is None:
                raise ReturnError("period", _("Choose a month."))
            return_id = await returns.start(principal, enterprise, period)
        except ReturnError as exc:
            context = {"months": await my_months(enterprise), "chosen": data.period, "error": exc.message}
            return render(request, "trade/returns/mine.html", context, status_code=exc.status)
        return Redirect(path=url_for(request, "trade_return", slug=slug, return_id=return_id), status_code=303)

    @get("/{return_id:int}", name="trade_return", opt=allow(READERS))
    async def show(self, request: Request, return_id: FromPath[int], receipt: FromQuery[str] = "") -> Template:
        ret = await _found(return_id)
        shown = None
        if receipt:
            shown = await receipts.of_submission(receipt, ret.sub, returns.title(ret), user_id=current_principal().user_id)
        return await _page(request, ret, receipt=shown)

    @post("/{return_id:int}/save", name="return_save", opt=allow(ENTERPRISE), status_code=200)
    async def save(self, request: Request, slug: FromPath[str], return_id: FromPath[int]) -> Template | Redirect:
        ret = await _found(return_id)
        data = await posted(request)
        form = return_form.parse(data)
        action = str(data.get("action") or "save")
        try:
            if return_form.apply_action(form, action):
                context = await _context(request, ret, form)
                return render(request, "trade/returns/return.html", context, partial="trade/returns/lines.html")
            await returns.save(current_principal(), ret, form)
        except ReturnError as exc:
            return await _page(request, ret, form, {exc.field: exc.message}, exc.status)
        path = url_for(request, "trade_return", slug=slug, return_id=return_id)
        return Redirect(path=f"{path}?saved=1", status_code=303)

    @post("/{return_id:int}/submit", name="return_submit", opt=allow(ENTERPRISE), status_code=303)
    async def submit(self, request: Request, slug: FromPath[str], return_id: FromPath[int]) -> Template | Redirect:
        ret = await _found(return_id)
        form = return_form.parse(await posted(request))
        try:
            outcome = await returns.submit(current_principal(), ret, form)
        except ReturnError as exc:
            return await _page(request, ret, form, {exc.field: exc.message}, exc.status)
        if outcome.errors:
            context = {**await _context(request, ret, form, outcome.errors), "jumps": outcome.jumps, "receipt": None}
            return render(request, "trade/returns/return.html", context, status_code=400)
        return receipts.redirect(url_for(request, "trade_return", slug=slug, return_id=return_id), "submitted")

    @post("/{return_id:int}/accept", name="return_accept", opt=allow(DECIDERS), status_code=303)
    async def accept(self, request: Request, slug: FromPath[str], return_id: FromPath[int]) -> Template | Redirect:
        ret = await _found(return_id)
        try:
            await returns.accept(current_principal(), ret)
        except ReturnError as exc:
            return await _page(request, ret, None, {exc.field: exc.message}, exc.status)
        return receipts.redirect(url_for(request, "trade_return", slug=slug, return_id=return_id), "decided")

    @post("/{return_id:int}/return", name="return_send_back", opt=allow(DECIDERS), status_code=303)
    async def send_back(self, request: Request, slug: FromPath[str], return_id: FromPath[int],
                        data: Annotated[SendBackForm, URL_ENCODED]) -> Template | Redirect:
        ret = await _found(return_id)
        try:
            await returns.send_back(current_principal(), ret, data.reasons)
        except ReturnError as exc:
            context = {**await _context(request, ret), "reasons_posted": data.reasons, "receipt": None}
            context["errors"] = {exc.field: exc.message}
            return render(request, "trade/returns/return.html", context, status_code=exc.status)
        return receipts.redirect(url_for(request, "trade_return", slug=slug, return_id=return_id), "decided")
