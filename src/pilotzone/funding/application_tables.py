"""Funding applications and what follows from them: reviews with verified values, round calculations
and their per-application results, ledger entries for approved awards, and payments against them.

Money columns are Numeric (fen-exact), read as Decimal. Unique keys include ``tenant_id`` (declared in
``keys``, made by :mod:`pilotzone.tenancy.keys`): a calculation's version per round, a result per (calculation, application), a ledger
entry per application, a voucher reference per tenant.
"""

from __future__ import annotations

from decimal import Decimal

from piccolo.columns import (
    JSONB,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    OnDelete,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from pilotzone.auth.tables import User
from pilotzone.db import DB
from pilotzone.funding.tables import Program, ProgramVersion, Round
from pilotzone.jobs.tables import JobRun
from pilotzone.tenancy.tables import Index, Ref, TenantTable, Unique

MONEY = (14, 2)


class FundingApplication(TenantTable, db=DB):
    """The funding part of a submission of kind ``funding`` (``workflow.tables.Submission``: subject,
    scope, state, the declared ``values`` as typed): ``id`` is the submission's. It applies for a round
    of a program and is judged by ``program_version`` (the version current at submission; the one
    current at creation until then). ``verified`` holds the reviewers' values per input (text; every
    input once a stage verified it); the calculation prefers them to the declared ones.
    ``verified_reasons`` holds, per input whose verified value differs from the declared one, the
    reviewer's reason."""

    id = Integer(primary_key=True)  # the submission's id (Ref below), not a sequence of its own
    program = ForeignKey(Program, null=False, on_delete=OnDelete.restrict)
    program_version = ForeignKey(ProgramVersion, null=False, on_delete=OnDelete.restrict)
    round = ForeignKey(Round, null=False, on_delete=OnDelete.restrict)
    verified = JSONB(default={})
    verified_reasons = JSONB(default={})
    score = Numeric(digits=(8, 2), null=True, default=None)
    estimate = Numeric(digits=MONEY, null=True, default=None)  # the applicant's estimate at submission

    keys = (
        Ref("id", "submission", "CASCADE"),
        Index("funding_application_tenant_round", ("tenant_id", "round", "id")),
    )


CALCULATION_STATUSES = ("running", "calculated", "approved", "superseded", "failed")


class Calculation(TenantTable, db=DB):
    """One calculation of a round (``version`` 1, 2, … per round). ``as_of`` fixes the facts (negative
    list, certifications) so a rerun gives the same results; ``cursor`` is the last application id done."""

    round = ForeignKey(Round, null=False, on_delete=OnDelete.restrict)
    version = Integer()
    job_run = ForeignKey(JobRun, null=True, default=None, on_delete=OnDelete.restrict)
    started_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    started_by_email = Varchar(length=254, default="")
    status = Varchar(length=20, default="running")
    as_of = Timestamptz(default=TimestamptzNow())
    cursor = Integer(default=0)
    applications = Integer(default=0)
    eligible = Integer(default=0)
    total_claim = Numeric(digits=MONEY, default=Decimal("0"))
    total_award = Numeric(digits=MONEY, default=Decimal("0"))
    created_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)
    approved_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    approved_by_email = Varchar(length=254, default="")
    approved_at = Timestamptz(null=True, default=None)

    keys = (Unique("calculation_tenant_round_version", ("round", "version")),)


class CalculationResult(TenantTable, db=DB):
    """An application's result in one calculation: UNIQUE (tenant_id, calculation, application)."""

    calculation = ForeignKey(Calculation, null=False, on_delete=OnDelete.cascade)
    application = ForeignKey(FundingApplication, null=False, on_delete=OnDelete.cascade)
    eligible = Boolean(default=False)
    claim = Numeric(digits=MONEY, default=Decimal("0"))
    award = Numeric(digits=MONEY, null=True, default=None)
    reasons = JSONB(default=[])
    explanation = JSONB(default=[])

    keys = (Unique("calculation_result_tenant_calculation_application", ("calculation", "application")),)


LEDGER_STATUSES = ("notice", "objected", "awarded", "revoked")


class LedgerEntry(TenantTable, db=DB):
    """An approved award (awarded); ``paid`` is the sum of its payments, CHECK paid <= awarded.
    ``status``: ``notice`` (under public notice: its ``workflow.tables.Notice`` of kind ``award``, until
    that notice's ``notice_until``), ``objected`` (paused by an objection since ``moved_at``: no
    payment), ``awarded`` (entries from before the notice existed), ``revoked`` (an upheld objection:
    only what was paid stays awarded)."""

    program = ForeignKey(Program, null=False, on_delete=OnDelete.restrict)
    round = ForeignKey(Round, null=False, on_delete=OnDelete.restrict)
    calculation = ForeignKey(Calculation, null=False, on_delete=OnDelete.restrict)
    application = ForeignKey(FundingApplication, null=False, on_delete=OnDelete.restrict)
    subject_label = Varchar(length=300, default="")
    awarded = Numeric(digits=MONEY)
    paid = Numeric(digits=MONEY, default=Decimal("0"))
    created_at = Timestamptz(default=TimestamptzNow())
    created_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    status = Varchar(length=20, default="awarded")
    moved_at = Timestamptz(null=True, default=None)  # when it last changed state (paused since)

    keys = (
        Unique("ledger_entry_tenant_application", ("application",)),
        Index("ledger_entry_tenant_program", ("tenant_id", "program", "round")),
        Index("ledger_entry_tenant_status", ("tenant_id", "status", "id")),
    )


class Payment(TenantTable, db=DB):
    """One payment against a ledger entry, with its voucher reference (unique per tenant)."""

    entry = ForeignKey(LedgerEntry, null=False, on_delete=OnDelete.restrict)
    amount = Numeric(digits=MONEY)
    voucher = Varchar(length=80)
    paid_on = Date()
    recorded_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    recorded_by_email = Varchar(length=254, default="")
    created_at = Timestamptz(default=TimestamptzNow())

    keys = (
        Unique("payment_tenant_voucher", ("voucher",)),
        Index("payment_tenant_entry", ("tenant_id", "entry", "id")),
    )
