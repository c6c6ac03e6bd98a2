"""Monthly statistical returns (企业统计月报): a kind of the workflow engine (``Kind.TRADE_RETURN``).

An enterprise user starts the return of an ended month for their enterprise (one per enterprise and
month: ``trade_return`` UNIQUE (enterprise, period)), saves it as a draft (the form as typed, in
``submission.values``) and submits it: every rule of ``return_form.check`` then holds, the typed header
and lines are written (``trade_return``, ``trade_return_line``) and the state moves draft → submitted
(``workflow.transitions``). Submitted after its due date (the tenant's ``return_day`` of the next
month) it is marked late (逾期报送; decided by the first submission: a return sent back after the
deadline is not late again for being resubmitted). A bureau administrator or reviewer (the stage
reviewer of this kind) accepts it — its lines are then written as trade figures of source ``return``
(``trade.store.write``: a re-accepted correction replaces values and keeps history; a key the earlier
version had and this one has not is written as zero) — or returns it with reasons (returned →
corrected → submitted again). Each step is in the submission's history, the audit trail and a review
step; the enterprise's users are told (``notify``) of a return or an acceptance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from pilotzone import db
from pilotzone.auth import audit
from pilotzone.auth.principal import Principal
from pilotzone.notify.events import Event
from pilotzone.registry.subjects import subjects
from pilotzone.tenancy.context import current_tenant_id
from pilotzone.trade import store
from pilotzone.trade.codes import Direction, Mode, Source
from pilotzone.trade.figures import Checked
from pilotzone.trade.reconcile import reconcile
from pilotzone.trade.return_dates import add_months, due_on, fileable, period_label, return_day
from pilotzone.trade.return_form import HISTORY, Outcome, ReturnForm, check
from pilotzone.trade.tables import TradeReturn, TradeReturnLine
from pilotzone.web.deadlines import tenant_today
from pilotzone.web.i18n import gettext as _
from pilotzone.workflow import receipts, scope, submissions, told
from pilotzone.workflow.states import Action, Actor, Decision, Kind
from pilotzone.workflow.states import TradeReturnState as State
from pilotzone.workflow.submissions import Kept
from pilotzone.workflow.tables import ReviewStep, Submission
from pilotzone.workflow.transitions import Refused, actors_of, may, move_row

KIND = Kind.TRADE_RETURN
APPLICANTS = ("enterprise_user",)
DECIDERS = ("bureau_admin", "bureau_reviewer")  # the stage reviewer of a return
EDITABLE = (State.DRAFT, State.RETURNED)


class ReturnError(Exception):
    """A step refused with a reason for the page (``field``: where it is shown)."""

    def __init__(self, field: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.field, self.message, self.status = field, message, status


Return = Kept[TradeReturn]


def actors(principal: Principal, sub: Submission) -> frozenset[Actor]:
    """The actors ``principal`` plays for the return ``sub``."""
    role = principal.role or ""
    return actors_of(
        principal,
        covers=scope.visible(principal, sub),
        applicants=APPLICANTS,
        stage_role=role if role in DECIDERS else "",
    )


def editable(principal: Principal, ret: Return) -> bool:
    return may(KIND, ret.sub.status, Action.SUBMIT, actors(principal, ret.sub))


def decidable(principal: Principal, ret: Return) -> bool:
    return may(KIND, ret.sub.status, Action.ACCEPT, actors(principal, ret.sub))


def title(ret: Return) -> str:
    return _("Monthly return %(month)s", month=period_label(ret.app.period))


async def get(principal: Principal, return_id: int) -> Return | None:
    """The return ``return_id`` if ``principal`` may see it (None otherwise)."""
    found = await submissions.kept_one(KIND, TradeReturn, return_id)
    return found if found is not None and scope.visible(principal, found.sub) else None


async def of_month(enterprise: int, period: date) -> int | None:
    rows = await db.fetch("SELECT id FROM trade_return WHERE enterprise = $1 AND period = $2", enterprise, period)
    return int(rows[0]["id"]) if rows else None


async def start(principal: Principal, enterprise: int, period: date) -> int:
    """The return of ``enterprise`` for ``period``: the existing one, or a new draft."""
    if not fileable(period, tenant_today()):
        raise ReturnError("period", _("A month is filed after it ends: this month cannot be filed yet."))
    # two clicks at once: the second waits for the first and finds its return (no unique-key error)
    await db.fetch("SELECT pg_advisory_xact_lock(hashtextextended('pilotzone-return:' || $1::text, $2))",
                   f"{enterprise}:{period.isoformat()}", current_tenant_id())
    found = await of_month(enterprise, period)
    if found is not None:
        return found
    found_subjects = await subjects(principal, "enterprise", enterprise)
    row = found_subjects[0] if found_subjects else None
    if row is None or principal.role not in APPLICANTS:
        raise ReturnError("period", _("Only the enterprise's own users file its returns."), 403)
    sub = await submissions.start(
        KIND,
        {
            "subject_kind": "enterprise",
            "subject_id": row["id"],
            "subject_label": str(row["label"])[:300],
            "applicant_enterprise": row["enterprise"],
            "applicant_park": row["park"],
            "district_code": row["district_code"] or "",
        },
        principal,
        created_by=principal.user_id,
        values=ReturnForm().stored(),
    )
    await TradeReturn(id=sub.id, enterprise=enterprise, period=period, due_on=due_on(period, await return_day())).save()
    await audit.record("trade_return.created", "trade_return", sub.id, after={"period": period.isoformat()})
    return int(sub.id)


async def save(principal: Principal, ret: Return, form: ReturnForm) -> int:
    """Keep the form as typed (a draft, or a returned return being corrected); how many fields changed."""
    if not editable(principal, ret):
        raise ReturnError("status", _("This return can no longer be changed."), 409)
    return await submissions.save_values(principal, ret.sub, form.stored())


async def has_warehouse(enterprise: int) -> bool:
    """Whether the enterprise runs an active overseas warehouse (then its area and use are asked)."""
    sql = "SELECT EXISTS (SELECT 1 FROM overseas_warehouse WHERE enterprise = $1 AND status = 'active')"
    return bool((await db.fetch(sql, enterprise))[0][0])


_AVERAGES = f"""
SELECT l.mode, l.direction, sum(l.value_cny) AS total, (SELECT count(*) FROM trade_return r2
         JOIN submission s2 ON s2.id = r2.id AND s2.tenant_id = r2.tenant_id
        WHERE r2.enterprise = $1 AND r2.period >= $2 AND r2.period < $3 AND s2.status = '{State.ACCEPTED.value}') AS months
  FROM trade_return_line l
  JOIN trade_return r ON r.id = l.trade_return AND r.tenant_id = l.tenant_id
  JOIN submission s ON s.id = r.id AND s.tenant_id = r.tenant_id
 WHERE r.enterprise = $1 AND r.period >= $2 AND r.period < $3 AND s.status = '{State.ACCEPTED.value}'
 GROUP BY l.mode, l.direction
"""  # noqa: S608 - fixed SQL text


async def averages(enterprise: int, period: date) -> dict[tuple[str, str], Decimal]:
    """Per mode and direction: the average month total of the enterprise's accepted returns of the
    ``HISTORY`` months before ``period`` (a month accepted without that mode counts as zero)."""
    rows = await db.fetch(_AVERAGES, enterprise, add_months(period, -HISTORY), period)
    return {(r["mode"], r["direction"]): Decimal(r["total"]) / r["months"] for r in rows if r["months"]}


async def checked(ret: Return, form: ReturnForm) -> Outcome:
    uscc = (await db.fetch("SELECT uscc FROM enterprise WHERE id = $1", ret.app.enterprise))[0]["uscc"]
    return check(
        form,
        uscc=uscc,
        enterprise=ret.app.enterprise,
        period=ret.app.period,
        today=tenant_today(),
        warehouse=await has_warehouse(ret.app.enterprise),
        averages=await averages(ret.app.enterprise, ret.app.period),
    )


async def submit(principal: Principal, ret: Return, form: ReturnForm) -> Outcome:
    """Save, check and submit; the outcome's ``errors`` say what to correct (nothing moved then)."""
    await save(principal, ret, form)
    outcome = await checked(ret, form)
    if outcome.errors or outcome.header is None:
        return outcome
    now = datetime.now(UTC)
    first = ret.sub.submitted_at is None
    late = ret.app.late or (first and tenant_today() > ret.app.due_on)
    try:
        moved = await move_row(
            KIND,
            ret.sub,
            Action.SUBMIT,
            actors(principal, ret.sub),
            changes={Submission.submitted_at: now, Submission.updated_by: principal.user_id},
        )
    except Refused as exc:
        raise ReturnError("status", _("This return can no longer be changed."), exc.status) from None
    h = outcome.header
    await TradeReturn.update(
        {
            TradeReturn.employees: h.employees,
            TradeReturn.warehouse_area: h.warehouse_area,
            TradeReturn.warehouse_utilisation: h.warehouse_utilisation,
            TradeReturn.late: late,
            TradeReturn.confirmed_jumps: bool(outcome.jumps),
        }
    ).where(TradeReturn.id == ret.id)
    await TradeReturnLine.delete().where(TradeReturnLine.trade_return == ret.id)
    if outcome.lines:
        await TradeReturnLine.insert(
            *[
                TradeReturnLine(
                    trade_return=ret.id,
                    mode=line.mode.value,
                    direction=line.direction.value,
                    country=line.country,
                    value_cny=line.value_cny,
                    orders=line.orders,
                    parcels=line.parcels,
                )
                for line in outcome.lines
            ]
        )
    await submissions.record_move(principal, ret.sub, str(moved.target))
    total = sum((line.value_cny for line in outcome.lines), Decimal(0))
    after = {"status": str(moved.target), "lines": len(outcome.lines), "value_cny": str(total), "late": late}
    await audit.record("trade_return.submitted", "trade_return", ret.id, before={"status": str(ret.sub.status)}, after=after)
    return outcome


async def lines(return_id: int) -> list[Checked]:
    """The stored lines of a submitted return, as checked figures."""
    found = await TradeReturnLine.objects().where(TradeReturnLine.trade_return == return_id).order_by(TradeReturnLine.id)
    enterprise = (await db.fetch("SELECT enterprise, period FROM trade_return WHERE id = $1", return_id))[0]
    return [
        Checked(
            enterprise["enterprise"],
            enterprise["period"],
            Mode(r.mode),
            Direction(r.direction),
            r.country,
            Decimal(r.value_cny),
            int(r.orders),
            int(r.parcels),
        )
        for r in found
    ]


@dataclass(frozen=True)
class Decided:
    step: int
    counts: store.Counts | None = None


async def _decide(principal: Principal, ret: Return, action: Action, comment: str) -> int:
    try:
        moved = await move_row(
            KIND, ret.sub, action, actors(principal, ret.sub), changes={Submission.updated_by: principal.user_id}
        )
    except Refused as exc:
        message = _("Only a bureau administrator or reviewer decides on a return.") if exc.why == "actor" else _(
            "The return is no longer waiting for a decision."
        )
        raise ReturnError("decision", message, exc.status) from None
    step = ReviewStep(
        submission=ret.id,
        stage=0,
        stage_role=principal.role or "",
        reviewer_id=principal.user_id,
        reviewer_email=principal.label,
        decision=Decision(action.value).value,
        comment=comment,
    )
    await step.save()
    await submissions.write_changes(
        principal, ret.id, [("status", str(ret.sub.status), str(moved.target)), *([("reasons", "", comment)] if comment else [])]
    )
    return int(step.id)


async def accept(principal: Principal, ret: Return) -> Decided:
    """Submitted → accepted; its lines become trade figures of source ``return`` (one batch)."""
    step = await _decide(principal, ret, Action.ACCEPT, "")
    figures = await lines(ret.id)
    batch = await store.start_batch(
        Source.RETURN,
        receipts.reference(KIND, ret.id, ret.sub.submitted_at or datetime.now(UTC)),
        created_by=principal.user_id,
        submission=ret.id,
    )
    counts = await store.write([*figures, *await _dropped(ret, figures)], Source.RETURN, batch)
    await store.finish_batch(batch, counts)
    await reconcile([ret.app.period])  # the month's flags against official data (trade/reconcile.py)
    await audit.record(
        "trade_return.accepted",
        "trade_return",
        ret.id,
        before={"status": str(ret.sub.status)},
        after={"status": State.ACCEPTED.value, "batch": batch, "inserted": counts.inserted, "replaced": counts.replaced},
    )
    await told.tell_applicants(Event.RETURN_ACCEPTED, ret.sub, f"return_accepted:{step}", title=title(ret))
    return Decided(step, counts)


async def _dropped(ret: Return, figures: list[Checked]) -> list[Checked]:
    """The keys an earlier accepted version of this month had and this one has not: written as zero."""
    keep = {f.key for f in figures}
    rows = await db.fetch(
        "SELECT mode, direction, country FROM trade_figure WHERE enterprise = $1 AND period = $2 AND source = $3",
        ret.app.enterprise,
        ret.app.period,
        Source.RETURN.value,
    )
    zero = Decimal("0.00")
    out = [
        Checked(ret.app.enterprise, ret.app.period, Mode(r["mode"]), Direction(r["direction"]), r["country"], zero, 0, 0)
        for r in rows
    ]
    return [c for c in out if c.key not in keep]


async def send_back(principal: Principal, ret: Return, reasons: str) -> Decided:
    """Submitted → returned, with the reasons (required) the enterprise reads on its return."""
    reasons = reasons.strip()
    if not 2 <= len(reasons) <= 2000:
        raise ReturnError("reasons", _("Give the reasons for returning the return (2 to 2000 characters)."))
    step = await _decide(principal, ret, Action.RETURN, reasons)
    await audit.record(
        "trade_return.returned",
        "trade_return",
        ret.id,
        before={"status": str(ret.sub.status)},
        after={"status": State.RETURNED.value, "reasons": reasons},
    )
    await told.tell_applicants(Event.RETURN_RETURNED, ret.sub, f"return_returned:{step}", title=title(ret), note=reasons)
    return Decided(step)


async def last_reasons(return_id: int) -> str:
    """The reasons of the latest return of ``return_id`` (empty when it was never sent back)."""
    rows = await db.fetch(
        "SELECT comment FROM review_step WHERE submission = $1 AND decision = $2 ORDER BY id DESC LIMIT 1",
        return_id,
        Decision.RETURN.value,
    )
    return str(rows[0]["comment"]) if rows else ""
