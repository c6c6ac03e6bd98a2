"""Funding applications and what follows from them: reviews with verified values, round calculations
and their per-application results, ledger entries for approved awards, and payments against them.

Money columns are Numeric (fen-exact), read as Decimal. Unique keys include ``tenant_id`` (see the keys
migration): a calculation's version per round, a result per (calculation, application), a ledger
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

from pilotzone.db import DB
from pilotzone.funding.tables import Program, ProgramVersion, Round
from pilotzone.tenancy.tables import TenantTable
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


class FundingReview(ReviewStepColumns, db=DB):
    """One reviewer's step on an application at one stage (the shared columns: ``workflow.tables``):
    verify (values, with the reasons where they differ from the declared ones), request_info,
    approve, reject; and the applicant's ``answer`` step."""

    application = ForeignKey(FundingApplication, null=False, on_delete=OnDelete.cascade)
    verified = JSONB(default={})
    reasons = JSONB(default={})  # input key → why the verified value differs from the declared one


CALCULATION_STATUSES = ("running", "calculated", "approved", "superseded", "failed")


class Calculation(TenantTable, db=DB):
    """One calculation of a round (``version`` 1, 2, … per round). ``as_of`` fixes the facts (negative
    list, certifications) so a rerun gives the same results; ``cursor`` is the last application id done."""

    round = ForeignKey(Round, null=False, on_delete=OnDelete.restrict)
    version = Integer()
    job_run = Integer(null=True, default=None)
    started_by = Integer(null=True, default=None)
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
    approved_by = Integer(null=True, default=None)
    approved_by_email = Varchar(length=254, default="")
    approved_at = Timestamptz(null=True, default=None)


class CalculationResult(TenantTable, db=DB):
    """An application's result in one calculation: UNIQUE (tenant_id, calculation, application)."""

    calculation = ForeignKey(Calculation, null=False, on_delete=OnDelete.cascade)
    application = ForeignKey(FundingApplication, null=False, on_delete=OnDelete.cascade)
    eligible = Boolean(default=False)
    claim = Numeric(digits=MONEY, default=Decimal("0"))
    award = Numeric(digits=MONEY, null=True, default=None)
    reasons = JSONB(default=[])
    explanation = JSONB(default=[])


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
    created_by = Integer(null=True, default=None)
    status = Varchar(length=20, default="awarded")
    notice_until = Timestamptz(null=True, default=None)
    moved_at = Timestamptz(null=True, default=None)


class AwardObjection(ObjectionColumns, db=DB):
    """An objection to an award under public notice (``workflow.objections``); it pauses the entry."""

    entry = ForeignKey(LedgerEntry, null=False, on_delete=OnDelete.cascade)


class Payment(TenantTable, db=DB):
    """One payment against a ledger entry, with its voucher reference (unique per tenant)."""

    entry = ForeignKey(LedgerEntry, null=False, on_delete=OnDelete.restrict)
    amount = Numeric(digits=MONEY)
    voucher = Varchar(length=80)
    paid_on = Date()
    recorded_by = Integer(null=True, default=None)
    recorded_by_email = Varchar(length=254, default="")
    created_at = Timestamptz(default=TimestamptzNow())
