"""Funding work of the demo (扶持): two rounds of the city's export reward — an earlier one whose
applications were verified, calculated by the bureau admin, approved by the second admin (four eyes),
under public notice or awarded and partly paid; and a current one with applications in every state —
each through the product's own steps (start, documents, submit, the review stages, an information
request, the calculation job's steps, the approval, the payments)."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from pilotzone.auth.principal import Principal
from pilotzone.demo_work.people import Cast, act, backdate, file_documents
from pilotzone.funding.application_tables import LedgerEntry
from pilotzone.funding.applications import (
    OWNER,
    Applied,
    create_application,
    get_application,
    save_declared,
    submit,
    version_spec,
    withdraw,
)
from pilotzone.funding.calculation import calculation_step, close_round, start_calculation
from pilotzone.funding.ledger import PaymentForm, approve, record_payment
from pilotzone.funding.program_spec import InputSpec, ProgramSpec
from pilotzone.funding.reviews import decide
from pilotzone.funding.tables import Program, Round
from pilotzone.jobs.tables import JobRun
from pilotzone.registry.tables import Enterprise
from pilotzone.web.deadlines import tenant_today
from pilotzone.workflow.forms import ReviewForm
from pilotzone.workflow.states import Kind
from pilotzone.workflow.tables import Notice

PROGRAM = "export-reward"  # both demo cities have one (an enterprise declares its exports)
EARLIER, CURRENT = "demo-earlier", "demo-current"  # the demo's round keys
# exports declared (in the program's unit, 万元): the fifth is below the usual threshold
EXPORTS = ("2860", "5420", "1350", "12800", "260", "3900", "1720", "6400", "2100", "980", "4500", "1580")


@dataclass
class Done:
    """What the funding work made: application ids by state, the rounds, the ledger."""

    by_state: dict[str, list[int]] = field(default_factory=dict)
    rounds: dict[str, int] = field(default_factory=dict)
    calculation: int | None = None
    entries: int = 0
    payments: int = 0

    def add(self, state: str, app_id: int) -> None:
        self.by_state.setdefault(state, []).append(app_id)


def value_of(spec: InputSpec, i: int) -> str:
    if spec.key == "exports":
        return EXPORTS[i % len(EXPORTS)]
    if spec.key == "last_year_exports":
        return str((Decimal(EXPORTS[i % len(EXPORTS)]) * Decimal("0.82")).quantize(Decimal("1")))
    if spec.type == "boolean":
        return "yes"
    if spec.type == "date":
        return (tenant_today() - timedelta(days=200)).isoformat()
    if spec.type == "text":
        return "跨境电商出口业务"
    low = spec.min or Decimal(0)
    value = max(low, Decimal(12 if spec.type == "integer" else 2500 + 100 * i))
    return str(min(value, spec.max) if spec.max is not None else value)


async def _round(
    program: Program, key: str, name_zh: str, name_en: str, budget: str, opened: int, closes: int
) -> Round:
    """A round of the program (as the bureau's round form writes it), open from ``opened`` days ago
    until ``closes`` days from today."""
    today = tenant_today()
    row = Round(
        program=program.id,
        key=key,
        name_zh=name_zh,
        name_en=name_en,
        budget=Decimal(budget),
        opens_at=today - timedelta(days=opened),
        closes_at=today + timedelta(days=closes),
    )
    await row.save()
    return row


async def _reread(application: Applied) -> Applied:
    again = await get_application(application.id)
    assert again is not None
    return again


async def _submitted(
    who: Principal, rnd: Round, enterprise: Enterprise, spec: ProgramSpec, i: int, *, send: bool = True
) -> Applied:
    application = await create_application(act(who), str(rnd.id), str(enterprise.id))
    await file_documents(OWNER, application.id, spec.documents)
    values = {f.key: value_of(f, i) for f in spec.inputs}
    if not send:
        await save_declared(who, application, application.declared | values)
        return await _reread(application)
    errors = await submit(who, application, values)
    if errors:
        raise RuntimeError(f"demo: funding application {application.id} refused: {errors}")
    return await _reread(application)


async def _review(
    cast: Cast, spec: ProgramSpec, application: Applied, decision: str, comment: str = "", **named: str
) -> Applied:
    who = cast.stage(spec.stages[application.sub.stage])
    verified = (
        {f"verified:{k}": v for k, v in application.declared.items()}
        if decision in ("approve", "verify")
        else {}
    )
    score = "85" if decision == "approve" else ""
    await decide(
        who, application, ReviewForm(decision=decision, comment=comment, score=score), {**verified, **named}
    )
    return await _reread(application)


async def _through(cast: Cast, spec: ProgramSpec, application: Applied, stages: int) -> Applied:
    for _ in range(stages):
        application = await _review(cast, spec, application, "approve", "与海关数据核对一致。")
    return application


async def _calculate(cast: Cast, rnd: Round) -> int:
    """Close the round, start the calculation (the first admin) and run its job's steps here."""
    await close_round(cast["admin"], rnd)
    calc = await start_calculation(cast["admin"], rnd.id)
    process = inspect.unwrap(calculation_step.fn)  # the step as a worker runs it (dramatiq wraps it sync)
    for _ in range(1000):
        await process(calc.job_run)
        run = await JobRun.objects().where(JobRun.id == calc.job_run).first()
        if run is None or run.status in ("done", "failed"):
            break
    if run is None or run.status != "done":
        raise RuntimeError(f"demo: the calculation of round {rnd.id} did not finish: {run and run.error}")
    return calc.id


async def seed(cast: Cast, own: Enterprise, others: list[Enterprise]) -> Done | None:
    done = Done()
    program = await Program.objects().where((Program.key == PROGRAM) & (Program.active == True)).first()  # noqa: E712
    if program is None or program.current_version is None:
        return None
    spec = await version_spec(program.current_version)
    stages = len(spec.stages)
    earlier = await _round(program, EARLIER, "第一批（演示）", "First batch (demo)", "600000", 150, 0)
    current = await _round(program, CURRENT, "第二批（演示）", "Second batch (demo)", "1500000", 20, 75)
    done.rounds = {EARLIER: earlier.id, CURRENT: current.id}
    mine = cast["enterprise"]

    # the earlier round: verified (one refused on the way), calculated, approved, partly paid
    verified = []
    for n, enterprise in enumerate([own, *others[:5]]):
        who = cast.applicant(enterprise.id)
        application = await _submitted(who, earlier, enterprise, spec, n)
        if n == 5:
            application = await _review(
                cast, spec, application, "reject", "申报出口额与海关数据差异较大，且未说明原因。"
            )
            done.add("rejected", application.id)
        else:
            application = await _through(cast, spec, application, stages)
            verified.append(application.id)
        await backdate([application.id], 70 + 8 * n)
    done.calculation = await _calculate(cast, earlier)
    done.entries = await approve(cast["admin2"], done.calculation)
    for app_id in verified:
        done.add("verified", app_id)
    # the notice of all but the last two awards has ended (time moved as the notice tests move it)
    ended = verified[:-2]
    await Notice.update({Notice.notice_until: datetime.now(UTC) - timedelta(days=3)}).where(
        (Notice.kind == Kind.AWARD.value) & Notice.submission.is_in(ended)
    )
    done.payments = await _pay(cast, ended)

    # the current round: every state an application can wait in
    steps = (("draft", 0), ("in_review", 0), ("in_review", 0), ("in_review", 1), ("verified", stages))
    for n, (state, stage) in enumerate(steps):
        enterprise = others[5 + n]
        application = await _submitted(
            cast.applicant(enterprise.id), current, enterprise, spec, 6 + n, send=state != "draft"
        )
        if state != "draft":
            application = await _through(cast, spec, application, stage)
        done.add(f"{state}:{stage}" if state == "in_review" else state, application.id)
        await backdate([application.id], 3 + 4 * n)
    application = await _submitted(mine, current, own, spec, 11)
    application = await _review(
        cast,
        spec,
        application,
        "request_info",
        "请补充海关出口报关单汇总表，核对出口额。",
        **{"reopen:field:exports": "on"},
    )
    done.add("info_requested", application.id)
    await backdate([application.id], 9)
    application = await _submitted(cast.applicant(others[10].id), current, others[10], spec, 10)
    application = await _review(cast, spec, application, "reject", "该企业不属于本轮支持的出口型企业。")
    done.add("rejected", application.id)
    who = cast.applicant(others[11].id)
    application = await _submitted(who, current, others[11], spec, 3)
    await withdraw(who, application, spec)  # the enterprise took it back to apply in a later round
    done.add("withdrawn", application.id)
    return done


async def _pay(cast: Cast, applications: list[int]) -> int:
    """The awards of ``applications`` whose notice has ended: the first paid in full, the next in part,
    the rest still to pay (the bureau admin records each payment)."""
    entries = (
        await LedgerEntry.objects()
        .where(LedgerEntry.application.is_in(applications or [0]))
        .order_by(LedgerEntry.id)
    )
    paid = 0
    for n, entry in enumerate(entries[:2]):
        amount = entry.awarded if n == 0 else (entry.awarded / 2).quantize(Decimal("0.01"))
        if amount <= 0:
            continue
        form = PaymentForm(
            amount=str(amount),
            voucher=f"ZF{tenant_today().year}-{entry.id:06d}",
            paid_on=(tenant_today() - timedelta(days=2 - n)).isoformat(),  # after the notice ended
        )
        await record_payment(cast["admin"], entry.id, form)
        paid += 1
    return paid
