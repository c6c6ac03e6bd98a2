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
from pilotzone.tenancy.tables import Index, TenantTable, Unique
from pilotzone.workflow.tables import ObjectionColumns, ReviewStepColumns, SubmissionColumns

MONEY = (14, 2)


class FundingApplication(SubmissionColumns, db=DB):
    """An application for a round of a program (the shared columns: ``workflow.tables``), judged by
    ``program_version`` (the version current at submission; the one current at creation until then).
    ``declared`` holds the applicant's values as typed (text), ``verified`` the reviewers' values per
    input (text; every input once a stage verified it); the calculation prefers the latter.
    ``verified_reasons`` holds, per input whose verified value differs from the declared one, the
    reviewer's reason."""

    program = ForeignKey(Program, null=False, on_delete=OnDelete.restrict)
    program_version = ForeignKey(ProgramVersion, null=False, on_delete=OnDelete.restrict)
    round = ForeignKey(Round, null=False, on_delete=OnDelete.restrict)
    declared = JSONB(default={})
    verified = JSONB(default={})
    verified_reasons = JSONB(default={})
    score = Numeric(digits=(8, 2), null=True, default=None)
    estimate = Numeric(digits=MONEY, null=True, default=None)  # the applicant's estimate at submission

    keys = (
        Index("funding_application_tenant_round", ("tenant_id", "round", "status", "id")),
        Index("funding_application_tenant_enterprise", ("tenant_id", "applicant_enterprise", "id")),
        Index("funding_application_tenant_park", ("tenant_id", "applicant_park", "id")),
    )


class FundingReview(ReviewStepColumns, db=DB):
    """One reviewer's step on an application at one stage (the shared columns: ``workflow.tables``):
    verify (values, with the reasons where they differ from the declared ones), request_info,
    approve, reject; and the applicant's ``answer`` step."""

    application = ForeignKey(FundingApplication, null=False, on_delete=OnDelete.cascade)
    verified = JSONB(default={})
    reasons = JSONB(default={})  # input key → why the verified value differs from the declared one

    keys = (Index("funding_review_tenant_application", ("tenant_id", "application", "id")),)


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
    ``status``: ``notice`` (public notice until ``notice_until``), ``objected`` (paused by an objection
    since ``moved_at``: no payment), ``awarded`` (entries from before the notice existed), ``revoked``
    (an upheld objection: only what was paid stays awarded)."""

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
    notice_until = Timestamptz(null=True, default=None)
    moved_at = Timestamptz(null=True, default=None)

    keys = (
        Unique("ledger_entry_tenant_application", ("application",)),
        Index("ledger_entry_tenant_program", ("tenant_id", "program", "round")),
        Index("ledger_entry_tenant_notice", ("tenant_id", "status", "notice_until")),
        # the public page: running notices in the order they end (keyset on notice_until, id) ...
        Index(
            "ledger_entry_tenant_notice_order",
            ("tenant_id", "status", "notice_until", "id"),
            where="status IN ('notice', 'objected')",
        ),
        # ... and its search by the start of the awardee's name (text comparisons are leakproof:
        # under RLS the range is an index condition, a LIKE would be a filter over every row)
        Index(
            "ledger_entry_tenant_notice_name",
            ("tenant_id", '(subject_label COLLATE "C")', "id"),
            include=("status", "notice_until"),
            where="status IN ('notice', 'objected')",
        ),
    )


class AwardObjection(ObjectionColumns, db=DB):
    """An objection to an award under public notice (``workflow.objections``); it pauses the entry."""

    entry = ForeignKey(LedgerEntry, null=False, on_delete=OnDelete.cascade)

    keys = (Index("award_objection_tenant_entry", ("tenant_id", "entry", "ip", "created_at")),)


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
