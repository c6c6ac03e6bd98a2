"""What funding knows about one enterprise or park, for its file (一企一档, composed by
``pilotzone.dossier``): its funding applications and their states, its awards (ledger entries, with
their state as it stands: ``award_notice.state_sql``), the payments made on them, the objections raised
against its award notices. An enterprise's rows are those it applied for (``applicant_enterprise``); a
park's are those the park applied for itself."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import msgspec

from pilotzone import db
from pilotzone.funding.applications import KIND, status_label
from pilotzone.funding.award_notice import notice_join, state_sql
from pilotzone.web.i18n import pick
from pilotzone.web.labels import label
from pilotzone.workflow.dossier import applicant_sql
from pilotzone.workflow.states import AwardState


class DossierFunding(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    program: str
    round: str
    status: str
    status_label: str
    submitted_at: datetime | None
    moved_at: datetime | None


class DossierAward(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    application: int
    program: str
    round: str
    round_id: int
    awarded: Decimal
    paid: Decimal
    state: str
    state_label: str
    created_at: datetime


class DossierPayment(msgspec.Struct, frozen=True, kw_only=True):
    application: int
    program: str
    amount: Decimal
    voucher: str
    paid_on: date




_APPLICATIONS = """
SELECT s.id, s.status, s.submitted_at, s.moved_at, p.name_zh AS p_zh, p.name_en AS p_en,
       r.name_zh AS r_zh, r.name_en AS r_en
  FROM submission s
  JOIN funding_application a ON a.id = s.id AND a.tenant_id = s.tenant_id
  JOIN program p ON p.id = a.program AND p.tenant_id = a.tenant_id
  JOIN round r ON r.id = a.round AND r.tenant_id = a.tenant_id
 WHERE s.kind = $2 AND {applicant}
 ORDER BY s.id DESC LIMIT 500"""


async def applications(kind: str, subject_id: int) -> list[DossierFunding]:
    """The subject's funding applications, newest first."""
    rows = await db.fetch(_APPLICATIONS.format(applicant=applicant_sql("s", kind)), subject_id, KIND.value)
    return [
        DossierFunding(
            id=r["id"],
            program=pick(r["p_zh"], r["p_en"]),
            round=pick(r["r_zh"], r["r_en"]),
            status=r["status"],
            status_label=status_label(r["status"]),
            submitted_at=r["submitted_at"],
            moved_at=r["moved_at"],
        )
        for r in rows
    ]


_AWARDS = """
SELECT e.id, e.application, e.round, e.awarded, e.paid, e.created_at, {state} AS state,
       p.name_zh AS p_zh, p.name_en AS p_en, r.name_zh AS r_zh, r.name_en AS r_en
  FROM ledger_entry e {join}
  JOIN submission s ON s.id = e.application AND s.tenant_id = e.tenant_id
  JOIN program p ON p.id = e.program AND p.tenant_id = e.tenant_id
  JOIN round r ON r.id = e.round AND r.tenant_id = e.tenant_id
 WHERE {applicant}
 ORDER BY e.id DESC LIMIT 500"""


async def awards(kind: str, subject_id: int) -> list[DossierAward]:
    """The subject's awards (ledger entries), newest first, each with its state now."""
    sql = _AWARDS.format(state=state_sql("e", "$2"), join=notice_join(), applicant=applicant_sql("s", kind))
    rows = await db.fetch(sql, subject_id, datetime.now(UTC))
    return [
        DossierAward(
            id=r["id"],
            application=r["application"],
            program=pick(r["p_zh"], r["p_en"]),
            round=pick(r["r_zh"], r["r_en"]),
            round_id=r["round"],
            awarded=r["awarded"],
            paid=r["paid"],
            state=r["state"],
            state_label=label(AwardState, r["state"]),
            created_at=r["created_at"],
        )
        for r in rows
    ]


_PAYMENTS = """
SELECT e.application, pm.amount, pm.voucher, pm.paid_on, p.name_zh AS p_zh, p.name_en AS p_en
  FROM payment pm
  JOIN ledger_entry e ON e.id = pm.entry AND e.tenant_id = pm.tenant_id
  JOIN submission s ON s.id = e.application AND s.tenant_id = e.tenant_id
  JOIN program p ON p.id = e.program AND p.tenant_id = e.tenant_id
 WHERE {applicant}
 ORDER BY pm.paid_on DESC, pm.id DESC LIMIT 500"""


async def payments(kind: str, subject_id: int) -> list[DossierPayment]:
    """The payments made on the subject's awards, latest first."""
    rows = await db.fetch(_PAYMENTS.format(applicant=applicant_sql("s", kind)), subject_id)
    return [
        DossierPayment(
            application=r["application"],
            program=pick(r["p_zh"], r["p_en"]),
            amount=r["amount"],
            voucher=r["voucher"],
            paid_on=r["paid_on"],
        )
        for r in rows
    ]
