"""Approval (four eyes) and the ledger: a bureau administrator other than the one who started the
calculation approves it; its awards become ledger entries (awarded); payments (one or more, each with
a voucher reference unique in the tenant) raise ``paid``, never above ``awarded`` (a CHECK backs the
guarded update). The program's balance: budget = awarded + unallocated, and paid."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal, InvalidOperation

import msgspec
from openpyxl import Workbook

from pilotzone import db
from pilotzone.auth import audit
from pilotzone.auth.principal import Principal
from pilotzone.funding import award_notice
from pilotzone.funding.application_tables import Calculation, Payment
from pilotzone.funding.applications import FundingError, now, unit_of
from pilotzone.funding.calculation import failed_reasons
from pilotzone.funding.program_spec import ProgramSpec
from pilotzone.funding.tables import Round
from pilotzone.notify.events import Event
from pilotzone.tenancy.context import current_tenant_id
from pilotzone.web.i18n import get_locale
from pilotzone.web.i18n import gettext as _
from pilotzone.web.labels import label
from pilotzone.workflow import told
from pilotzone.workflow.states import Kind, ObjectionState
from pilotzone.workflow.tables import Notice, Objection

FEN = Decimal("0.01")

_LEDGER = """
INSERT INTO ledger_entry (tenant_id, program, round, calculation, application, subject_label, awarded, paid,
                          created_at, created_by, status)
SELECT $1, a.program, a.round, r.calculation, r.application, s.subject_label, r.award, 0, now(), $3,
       CASE WHEN $4 THEN 'notice' ELSE 'awarded' END
  FROM calculation_result r JOIN funding_application a ON a.id = r.application
  JOIN submission s ON s.id = a.id AND s.tenant_id = a.tenant_id
 WHERE r.calculation = $2 AND r.award > 0
ON CONFLICT (tenant_id, application) DO NOTHING
RETURNING id, application
"""

# the award notices of the entries just written (``workflow.objections.open_notice`` for many at once)
_NOTICES = """
INSERT INTO notice (tenant_id, kind, submission, subject_label, created_at, notice_until)
SELECT s.tenant_id, $3, s.id, s.subject_label, now(), $2
  FROM unnest($1::int[]) WITH ORDINALITY AS u(id, k) JOIN submission s ON s.id = u.id ORDER BY u.k
"""


async def approve(principal: Principal, calculation_id: int) -> int:
    """Approve a calculated calculation; returns the number of ledger entries written."""
    calc = await Calculation.objects().where(Calculation.id == calculation_id).first()
    if calc is None:
        raise FundingError("status", _("No such calculation."), 404)
    if calc.started_by == principal.user_id:
        raise FundingError(
            "status",
            _(
                "Four eyes: the results must be approved by another bureau administrator than the one who started the calculation."
            ),
            403,
        )
    moved = await (
        Calculation.update(
            {
                Calculation.status: "approved",
                Calculation.approved_by: principal.user_id,
                Calculation.approved_by_email: principal.label,
                Calculation.approved_at: now(),
            }
        )
        .where((Calculation.id == calc.id) & (Calculation.status == "calculated"))
        .returning(Calculation.id)
    )
    if not moved:
        raise FundingError("status", _("Only the latest finished calculation can be approved."), 409)
    await Round.update({Round.status: "approved", Round.updated_at: now()}).where(Round.id == calc.round)
    rnd = await Round.objects().where(Round.id == calc.round).first()
    assert rnd is not None
    until = await award_notice.notice_end(rnd.program)
    written = await db.fetch(_LEDGER, current_tenant_id(), calc.id, principal.user_id, until is not None)
    if until is not None and written:
        in_order = [r["application"] for r in sorted(written, key=lambda r: r["id"])]  # as the entries
        await db.fetch(_NOTICES, in_order, until, Kind.AWARD.value)
    await told.awards_published(await db.fetch(_AWARDED, calc.id))  # notify the applicants
    await audit.record(
        "calculation.approved",
        "calculation",
        calc.id,
        before={"status": "calculated"},
        after={
            "status": "approved",
            "round": calc.round,
            "ledger_entries": len(written),
            "total_award": str(calc.total_award),
            "notice_until": until.isoformat() if until else None,
        },
    )
    return len(written)


_AWARDED = """SELECT e.application, e.awarded AS amount, p.name_zh AS title FROM ledger_entry e
  JOIN program p ON p.id = e.program AND p.tenant_id = e.tenant_id WHERE e.calculation = $1"""
_APPROVERS = """
SELECT u.display_name, u.email
  FROM membership m JOIN pz_user u ON u.id = m."user"
 WHERE m.role = 'bureau_admin' AND m.active AND u.is_active AND u.id <> $1
 ORDER BY u.display_name, u.email
"""


async def approvers(calculation: dict) -> list[dict[str, str]]:
    """The bureau administrators of the tenant (RLS) who may approve ``calculation``: every active one
    except the one who started it (four eyes; ``approve`` refuses that one with a 403)."""
    return [dict(r) for r in await db.fetch(_APPROVERS, calculation["started_by"])]


_APPROVED_RESULT = """
SELECT r.claim, r.eligible, r.reasons, r.explanation
  FROM calculation_result r JOIN calculation c ON c.id = r.calculation
 WHERE r.application = $1 AND c.status = 'approved'
 ORDER BY c.version DESC LIMIT 1
"""


async def _without_award(application_id: int) -> dict | None:
    rows = await db.fetch(_APPROVED_RESULT, application_id)
    if not rows:
        return None
    row = rows[0]
    reasons = json.loads(row["reasons"]) if isinstance(row["reasons"], str) else row["reasons"]
    steps = json.loads(row["explanation"]) if isinstance(row["explanation"], str) else row["explanation"]
    return {
        "none": True,
        "eligible": row["eligible"],
        "claim": Decimal(row["claim"]),
        "reasons": failed_reasons(reasons, get_locale()),
        "explanation": list(steps or []),
    }


def parse_amount(raw: str) -> Decimal | None:
    try:
        value = Decimal(raw.strip().replace(",", ""))
    except InvalidOperation:
        return None
    if not value.is_finite() or value <= 0 or value != value.quantize(FEN):
        return None
    return value.quantize(FEN)


PAUSED = {
    "objected": lambda: _("An objection to this award is open: no payment until the bureau resolves it."),
    "revoked": lambda: _("This award was revoked after an objection: no further payment."),
}


def _under_notice(until: object) -> str:
    if until is None:
        return _("This award is not yet under public notice: it can be paid once the notice has ended.")
    return _(
        "This award is under public notice until %(date)s: it can be paid once the notice has ended.",
        date=f"{until:%Y-%m-%d %H:%M}",
    )


def _payable(entry: dict) -> None:
    """Refuse (409) a payment on an entry whose state (``award_notice.state_sql``) is not ``awarded``."""
    if entry["state"] in PAUSED:
        raise FundingError("status", PAUSED[entry["state"]](), 409)
    if entry["state"] == "notice":
        raise FundingError("status", _under_notice(entry["notice_until"]), 409)


class PaymentForm(msgspec.Struct):
    """A payment against an award: the amount in yuan, the voucher reference, the date paid."""

    amount: str = ""
    voucher: str = ""
    paid_on: str = ""


async def record_payment(principal: Principal, entry_id: int, form: PaymentForm) -> Payment:
    errors: dict[str, str] = {}
    amount = parse_amount(form.amount)
    if amount is None:
        errors["amount"] = _("Enter an amount in yuan greater than 0, at most two decimals.")
    voucher = form.voucher.strip()
    if not voucher or len(voucher) > 80:
        errors["voucher"] = _("Enter the voucher reference.")
    try:
        paid_on = date.fromisoformat(form.paid_on.strip())
    except ValueError:
        errors["paid_on"] = _("Enter a date as YYYY-MM-DD.")
    if errors:
        key = next(iter(errors))
        raise FundingError(key, errors[key])
    assert amount is not None
    if await Payment.exists().where(Payment.voucher == voucher):
        raise FundingError("voucher", _("This voucher reference is already recorded."), 409)
    moment = now()
    entry = await award_notice.entry_with_state(entry_id, moment)
    if entry is None:
        raise FundingError("status", _("No such ledger entry."), 404)
    _payable(entry)
    raised = await db.fetch(  # an award is paid only once its public notice has ended without objection
        "UPDATE ledger_entry e SET paid = paid + $2 WHERE id = $1 AND paid + $2 <= awarded"  # noqa: S608 - fixed SQL text
        f" AND {award_notice.row_state_sql('e', '$3')} = 'awarded' RETURNING paid",
        entry_id,
        amount,
        moment,
    )
    if not raised:
        fresh = await award_notice.entry_with_state(entry_id, moment)
        assert fresh is not None
        _payable(fresh)  # an objection came in meanwhile, or one came and was dismissed: the notice resumed
        left = Decimal(fresh["awarded"]) - Decimal(fresh["paid"])
        raise FundingError(
            "amount", _("Payments may not exceed the award: %(left)s yuan are left to pay.", left=left), 409
        )
    payment = Payment(
        entry=entry_id,
        amount=amount,
        voucher=voucher,
        paid_on=paid_on,
        recorded_by=principal.user_id,
        recorded_by_email=principal.label,
    )
    await payment.save()
    await told.tell_about(
        Event.PAYMENT_RECORDED, entry["application"], f"payment_recorded:{payment.id}",
        amount=amount, title=entry["subject_label"],
    )
    await audit.record(
        "payment.recorded",
        "ledger_entry",
        entry_id,
        before={"paid": str(entry["paid"])},
        after={
            "paid": str(raised[0]["paid"]),
            "amount": str(amount),
            "voucher": voucher,
            "paid_on": str(paid_on),
        },
    )
    return payment


async def ledger_of(round_id: int) -> list[dict]:
    """The round's ledger entries, each with its ``state`` now, and their payments."""
    return await _with_payments(await _entries("e.round = $1", round_id))


async def _entries(where: str, value: int) -> list[dict]:
    """Ledger entries with their ``state`` now (``award_notice.state_sql``: an ended notice is awarded)."""
    return [
        dict(r)
        for r in await db.fetch(
            f"SELECT e.*, n.notice_until, {award_notice.state_sql('e', '$2')} AS state FROM ledger_entry e"  # noqa: S608 - fixed SQL text
            f" {award_notice.notice_join()} WHERE {where} ORDER BY e.id LIMIT 1000",
            value,
            now(),
        )
    ]


async def _with_payments(entries: list[dict]) -> list[dict]:
    payments = (
        await Payment.select()
        .where(Payment.entry.is_in([e["id"] for e in entries] or [0]))
        .order_by(Payment.paid_on, Payment.id)
    )
    for e in entries:
        e["payments"] = [p for p in payments if p["entry"] == e["id"]]
    return entries


async def outcome_of(application_id: int) -> dict | None:
    """What became of an application (for the applicant and the bureau): its ledger entry (awarded,
    paid, status, notice end) with its payments and the objections to it (date, outcome and the
    bureau's note; never the objector's name or contact), and the claim and explanation steps of the
    approved calculation.
    Without an entry: the result of the approved calculation (no award: ``none``, with the reasons), or
    None before the round's results are approved."""
    entries = await _entries("e.application = $1", application_id)
    if not entries:
        return await _without_award(application_id)
    entry = (await _with_payments(entries[:1]))[0]
    notice = Notice.select(Notice.id).where((Notice.kind == Kind.AWARD.value) & (Notice.submission == application_id))
    entry["objections"] = (
        await Objection.select(
            Objection.created_at, Objection.status, Objection.resolved_at, Objection.resolution_note
        )
        .where(Objection.notice.is_in([n["id"] for n in await notice] or [0]))
        .order_by(Objection.id)
    )
    for objection in entry["objections"]:
        objection["status"] = ObjectionState(objection["status"])
    result = await db.fetch(
        "SELECT claim, explanation FROM calculation_result WHERE calculation = $1 AND application = $2",
        entry["calculation"],
        application_id,
    )
    entry["claim"] = Decimal(result[0]["claim"]) if result else None
    steps = result[0]["explanation"] if result else []
    entry["explanation"] = json.loads(steps) if isinstance(steps, str) else list(steps or [])
    entry["left"] = Decimal(entry["awarded"]) - Decimal(entry["paid"])
    return entry


async def balance(program_id: int) -> dict[str, Decimal]:
    """budget (all rounds), awarded, unallocated = budget − awarded, paid. A revoked award counts with
    what was paid on it only: the rest returns to the unallocated budget."""
    rows = await db.fetch(
        "SELECT (SELECT COALESCE(sum(budget), 0) FROM round WHERE program = $1) AS budget,"
        " COALESCE(sum(CASE WHEN status = 'revoked' THEN paid ELSE awarded END), 0) AS awarded, COALESCE(sum(paid), 0) AS paid"
        " FROM ledger_entry WHERE program = $1",
        program_id,
    )
    budget, awarded, paid = (Decimal(rows[0][k]) for k in ("budget", "awarded", "paid"))
    return {"budget": budget, "awarded": awarded, "unallocated": budget - awarded, "paid": paid}


# -- exports

HEADERS = [
    "申请编号",
    "申报主体",
    "是否符合条件",
    "申报测算金额（元）",
    "核定金额（元）",
    "不符合原因",
    "公示与拨付状态",
]
_EXPORT = f"""
SELECT r.application, s.subject_label, r.eligible, r.claim, r.award, r.reasons,
       {award_notice.state_sql("l", "$3")} AS state, s.values || a.verified AS values
  FROM calculation_result r JOIN funding_application a ON a.id = r.application
  JOIN submission s ON s.id = a.id AND s.tenant_id = a.tenant_id
  LEFT JOIN ledger_entry l ON l.calculation = r.calculation AND l.application = r.application
  {award_notice.notice_join("l")}
 WHERE r.calculation = $1 AND r.application > $2 ORDER BY r.application LIMIT 1000
"""  # noqa: S608 - fixed SQL text


def headers(spec: ProgramSpec) -> list[str]:
    """The export's headers: the results (amounts in yuan, as the ledger), then the values the
    calculation used, one column per input, headed with its label and unit (an amount: the program's)."""
    out = list(HEADERS)
    for field in spec.inputs:
        unit = unit_of(spec, field)
        out.append(f"{field.label_zh}（{unit}）" if unit else field.label_zh)
    return out


async def export_rows(calculation_id: int, spec: ProgramSpec | None = None) -> list[list[str]]:
    """Every result as text cells (amounts text-exact with two decimals), read by keyset pages; then
    the values used (verified, else declared) as typed, in the units of :func:`headers`."""
    keys = [f.key for f in (spec.inputs if spec else [])]
    out: list[list[str]] = []
    after = 0
    moment = now()  # one moment for the whole file: the state of each award (by its notice's dates)
    while True:
        rows = await db.fetch(_EXPORT, calculation_id, after, moment)
        if not rows:
            return out
        for r in rows:
            reasons = json.loads(r["reasons"]) if isinstance(r["reasons"], str) else r["reasons"]
            values = json.loads(r["values"]) if isinstance(r["values"], str) else dict(r["values"] or {})
            out.append(
                [
                    str(r["application"]),
                    r["subject_label"],
                    "是" if r["eligible"] else "否",
                    f"{Decimal(r['claim']).quantize(FEN)}",
                    f"{Decimal(r['award'] or 0).quantize(FEN)}",
                    "；".join(failed_reasons(reasons)),
                    label("ledger_status", r["state"]) if r["state"] else "",
                    *(str(values.get(k, "")) for k in keys),
                ]
            )
        after = rows[-1]["application"]


def to_csv(rows: list[list[str]], head: list[str] = HEADERS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(head)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 Chinese correctly


def to_xlsx(rows: list[list[str]], title: str, head: list[str] = HEADERS) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31] or "results")
    sheet.append(head)
    for row in rows:
        sheet.append(row)  # every cell text: amounts keep their exact decimals
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
