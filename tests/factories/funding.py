"""Funding rows of today's tables (``program``, ``program_version``, ``round``,
``funding_application``, ``calculation``, ``calculation_result``, ``ledger_entry``, ``payment``):
Piccolo inserts in the tenant's transaction. A funding application's shared columns (subject, scope,
status, stage, times) come from ``pilotzone.workflow.tables``; ``status`` must be a ``FundingState``
(CHECKed) and every reference a real row or ``None``. Programs
normally come from ``tenants/<slug>/programs.toml`` (``tenants sync``) or the bureau's editor; a
test that needs one of its own (isolation) gets a bare program with an empty spec.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from tests.factories import workflow
from tests.factories.base import acting_in, unique

from pilotzone.funding.application_tables import (
    Calculation,
    CalculationResult,
    FundingApplication,
    LedgerEntry,
    Payment,
)
from pilotzone.funding.tables import Program, ProgramVersion, Round
from pilotzone.web.deadlines import tenant_today
from pilotzone.workflow.states import Kind
from pilotzone.workflow.tables import Submission


async def program(
    slug: str,
    key: str | None = None,
    subject: str = "enterprise",
    spec: dict | None = None,
    *,
    example_parameters: bool = False,
    **values: Any,
) -> Program:
    """A program with one version (``spec``, empty by default) that is its current one; ``values``:
    more program columns (``name_zh``, ``name_en``, ``source``, ``active``)."""
    key = key or unique("test-program")
    async with acting_in(slug):
        row = Program(
            key=key,
            subject=subject,
            name_zh=values.pop("name_zh", key),
            name_en=values.pop("name_en", key),
            source=values.pop("source", "editor"),
            **values,
        )
        await row.save()
        version = ProgramVersion(
            program=row.id, version=1, spec=spec or {}, example_parameters=example_parameters
        )
        await version.save()
        row.current_version = version.id
        await row.save([Program.current_version])
    return row


async def synced_round(slug: str, program_key: str | None = None) -> dict[str, Any]:
    """The first round of a program synced from the tenant's TOML: round id, program, current_version."""
    async with acting_in(slug):
        query = Round.select(Round.id, Round.program, Round.program.current_version).order_by(Round.id)
        if program_key is not None:
            query = query.where(Round.program.key == program_key)
        found = await query.first()
    assert found is not None, f"no round of {program_key or 'any program'} in {slug}"
    return {
        "id": found["id"],
        "program": found["program"],
        "current_version": found["program.current_version"],
    }


async def funding_round(slug: str, program: Program, **values: Any) -> Round:
    """An open round of ``program``: budget 1000, open today only, pro rata."""
    async with acting_in(slug):
        row = Round(
            program=program.id,
            key=values.pop("key", None) or unique("r"),
            name_zh=values.pop("name_zh", "测试轮次"),
            name_en=values.pop("name_en", "test round"),
            budget=values.pop("budget", Decimal("1000")),
            opens_at=values.pop("opens_at", tenant_today()),
            closes_at=values.pop("closes_at", tenant_today()),
            **values,
        )
        await row.save()
    return row


async def funding_application(
    slug: str, program: int, program_version: int, round: int, enterprise: int, **values: Any
) -> FundingApplication:
    """An enterprise's draft application in ``round``; ``values``: more columns of the submission
    (``status``, ``values`` as declared …) or of the application (``verified``, ``score`` …)."""
    mine, own = workflow.split(values)
    async with acting_in(slug):
        sub = await workflow.submission(
            slug,
            Kind.FUNDING,
            "enterprise",
            enterprise,
            applicant_enterprise=enterprise,
            subject_label=mine.pop("subject_label", None) or unique("测试扶持申请"),
            **mine,
        )
        row = FundingApplication(id=sub.id, program=program, program_version=program_version, round=round, **own)
        await row.save()
    return row


async def funding_applications(
    slug: str,
    program: int,
    program_version: int,
    round: int,
    rows: Sequence[dict[str, Any]],
    *,
    per_statement: int = 500,
) -> list[int]:
    """Many applications in ``round`` (a round's worth for a calculation): each dict names its
    ``enterprise`` and more columns as for :func:`funding_application`; ``per_statement`` rows go
    into one INSERT (PostgreSQL takes at most 65535 parameters). Their ids, in the order given."""
    ids: list[int] = []
    async with acting_in(slug):  # a row takes the tenant of the transaction it is made in
        split = []
        for values in rows:
            values = dict(values)
            enterprise = values.pop("enterprise")
            mine, own = workflow.split(values)
            sub = Submission(
                kind=Kind.FUNDING.value,
                subject_kind="enterprise",
                subject_id=enterprise,
                applicant_enterprise=enterprise,
                subject_label=mine.pop("subject_label", None) or unique("测试扶持申请"),
                **{"status": "draft", **mine},
            )
            split.append((sub, own))
        for start in range(0, len(split), per_statement):
            chunk = split[start : start + per_statement]
            made = await Submission.insert(*[sub for sub, _ in chunk]).returning(Submission.id)
            parts = [
                FundingApplication(
                    id=r["id"], program=program, program_version=program_version, round=round, **own
                )
                for r, (_, own) in zip(made, chunk, strict=True)
            ]
            await FundingApplication.insert(*parts)
            ids += [r["id"] for r in made]
    return ids


async def calculation(slug: str, round: int, version: int = 1, **values: Any) -> Calculation:
    """A finished (``calculated``) calculation of ``round``."""
    async with acting_in(slug):
        row = Calculation(round=round, version=version, status=values.pop("status", "calculated"), **values)
        await row.save()
    return row


async def calculation_result(
    slug: str, calculation: int, application: int, *, eligible: bool = True, **values: Any
) -> CalculationResult:
    """One application's result in a calculation (claim and award 100 when eligible)."""
    amount = Decimal("100") if eligible else Decimal("0")
    async with acting_in(slug):
        row = CalculationResult(
            calculation=calculation,
            application=application,
            eligible=eligible,
            claim=values.pop("claim", amount),
            award=values.pop("award", amount if eligible else None),
            **values,
        )
        await row.save()
    return row


async def ledger_entry(
    slug: str,
    program: int,
    round: int,
    calculation: int,
    application: int,
    *,
    notice_until: datetime | None = None,
    **values: Any,
) -> LedgerEntry:
    """An awarded ledger entry of 100 for ``application``; with ``notice_until``, under public notice
    (its ``notice`` of kind award) until then."""
    async with acting_in(slug):
        row = LedgerEntry(
            program=program,
            round=round,
            calculation=calculation,
            application=application,
            subject_label=values.pop("subject_label", None) or unique("测试台账"),
            awarded=values.pop("awarded", Decimal("100")),
            **values,
        )
        await row.save()
        if notice_until is not None:
            await workflow.notice(slug, Kind.AWARD, application, notice_until, subject_label=row.subject_label)
    return row


async def payment(slug: str, entry: int, amount: Decimal, paid_on: date, **values: Any) -> Payment:
    """A payment against a ledger entry."""
    async with acting_in(slug):
        row = Payment(
            entry=entry,
            amount=amount,
            paid_on=paid_on,
            voucher=values.pop("voucher", None) or unique("v"),
            **values,
        )
        await row.save()
    return row
