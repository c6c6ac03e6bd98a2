"""Verification of funding applications (核实): the stages of the program version the application was
submitted under, each decided by its role (a district reviewer only for its district). Saving verified
values and approving need a verified value for every required input (``verified:<key>``; the form is
prefilled with the values verified so far, else the declared ones), and a value that differs from the
declared one needs its reason (``reason:<key>``). A reviewer asks for information (the applicant
answers, the same stage resumes), approves (next stage; the last one makes the application
``verified``) or rejects with reasons. Every step is a ``review_step`` row (``workflow.tables.ReviewStep``:
its verified values and reasons) and an audit record; a refused
step changes nothing and names every field in error. A request names the inputs and documents it
reopens; the answer is in ``answers``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from piccolo.columns import Column

from pilotzone import db
from pilotzone.auth import audit
from pilotzone.auth.principal import Principal
from pilotzone.funding.application_tables import FundingApplication
from pilotzone.funding.applications import (
    KIND,
    OWNER,
    Applied,
    FundingError,
    actors,
    as_dict,
    version_spec,
)
from pilotzone.funding.program_spec import DEFAULT_STAGES, InputSpec, ProgramSpec
from pilotzone.web.i18n import gettext as _
from pilotzone.workflow import filters, info_requests, submissions
from pilotzone.workflow.fields import check_field
from pilotzone.workflow.forms import Posted, ReviewForm
from pilotzone.workflow.reviews import advance, comment_errors, queue_of, record_step, reopened_by, steps_of
from pilotzone.workflow.states import Action, Decision, FundingState, Guard
from pilotzone.workflow.transitions import Refused, may

DECISIONS = (Decision.VERIFY, Decision.REQUEST_INFO, Decision.APPROVE, Decision.REJECT)


def stage_role(spec: ProgramSpec, application: Applied) -> str:
    stages, stage = spec.stages, application.sub.stage
    return stages[stage] if 0 <= stage < len(stages) else ""


def may_review(principal: Principal, spec: ProgramSpec, application: Applied) -> bool:
    return may(KIND, application.sub.status, Action.APPROVE, actors(principal, application, spec))


class ReviewInvalid(FundingError):
    """Every field error of a refused review step (``errors``: form field → message)."""

    def __init__(self, errors: dict[str, str]) -> None:
        field = next(iter(errors))
        super().__init__(field, errors[field])
        self.errors = errors


def _comparable(field: InputSpec, raw: str) -> object:
    """Numbers compare by value (``1000`` is ``1,000.00``), everything else as typed."""
    if field.type in ("integer", "decimal", "amount"):
        try:
            return Decimal(raw.replace(",", ""))
        except InvalidOperation:
            return raw
    return raw


def parse_verified(
    spec: ProgramSpec, form: Posted, declared: dict
) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(verified values of every input, reasons of the ones that differ from ``declared``, errors).

    A required input needs a value; a value that is not the declared one needs ``reason:<key>``."""
    values: dict[str, str] = {}
    reasons: dict[str, str] = {}
    errors: dict[str, str] = {}
    for field in spec.inputs:
        key = field.key
        raw = form.get(f"verified:{key}", "").strip()
        message = check_field(field, raw)
        if message:
            errors[f"verified:{key}"] = message
            continue
        values[key] = raw
        if _comparable(field, raw) != _comparable(field, str(declared.get(key, "")).strip()):
            reason = form.get(f"reason:{key}", "").strip()
            if reason:
                reasons[key] = reason
            else:
                errors[f"reason:{key}"] = _("Say why the verified value differs from the declared one.")
    return values, reasons, errors


def parse_score(raw: str) -> Decimal | None:
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() and Decimal(0) <= value <= Decimal(100) else None


_QUEUE = """
SELECT s.id, s.subject_label, s.district_code, s.stage, p.name_zh, p.name_en, r.name_zh AS round_zh,
       r.name_en AS round_en, COALESCE(s.moved_at, s.submitted_at) AS since
  FROM submission s JOIN funding_application a ON a.id = s.id AND a.tenant_id = s.tenant_id
  JOIN program p ON p.id = a.program JOIN round r ON r.id = a.round
  JOIN program_version v ON v.id = a.program_version
 WHERE s.kind = $5 AND s.status = $3
   AND COALESCE(v.spec -> 'stages' ->> s.stage, ($4::text[])[s.stage + 1]) = $1
   AND ($2 = '' OR s.district_code = $2)
   AND {filtered}
 ORDER BY since, s.id
 LIMIT 500
"""


async def queue(principal: Principal, chosen: filters.Filters | None = None) -> list[dict]:
    """The applications waiting for the caller's stage; ``chosen``: the queue's filter (program,
    round, district, number, name or credit code)."""
    mine = queue_of(principal)
    if mine is None:
        return []
    sql = filters.Sql([*mine, FundingState.IN_REVIEW, list(DEFAULT_STAGES), KIND.value])
    if chosen is not None:
        await filters.narrowed(sql, chosen)
        if chosen.kind:
            sql.add(f"p.key = {sql.arg(chosen.kind)}")
        if chosen.round is not None:
            sql.add(f"a.round = {sql.arg(chosen.round)}")
    return [dict(r) for r in await db.fetch(_QUEUE.format(filtered=sql.where), *sql.args)]


async def reviews_of(application_id: int) -> list[dict]:
    return await steps_of(application_id)


async def decide(principal: Principal, application: Applied, form: ReviewForm, named: Posted) -> str:
    """One review step (``named``: the verified values, their reasons and the reopen checkboxes);
    returns the new status. Raises FundingError (403 when the caller may not)."""
    sub, app = application.sub, application.app
    spec = await version_spec(app.program_version)
    decision = form.decision
    if decision not in DECISIONS:
        raise FundingError("decision", _("Choose a decision."))
    if not may_review(principal, spec, application):
        raise FundingError("status", _("This application is not waiting for your review."), 403)
    verifies = decision in ("verify", "approve")  # these record the verified values (all of them)
    verified, reasons, errors = (
        parse_verified(spec, named, application.declared) if verifies else ({}, {}, {})
    )
    comment = form.comment.strip()
    score = None
    if form.score.strip():
        score = parse_score(form.score)
        if score is None:
            errors["score"] = _("Enter a score from 0 to 100.")
    action = Action(decision)
    errors.update(comment_errors(action, comment))
    due_on, due_errors = info_requests.requested_due(action, named)
    errors.update(due_errors)
    if errors:
        raise ReviewInvalid(errors)
    reopens = reopened_by(action, spec.inputs, spec.documents, named)
    merged = verified if verifies else as_dict(app.verified)
    merged_reasons = reasons if verifies else as_dict(app.verified_reasons)
    own: dict[Column | str, Any] = {
        FundingApplication.verified: merged,
        FundingApplication.verified_reasons: merged_reasons,
    }
    if score is not None:
        own[FundingApplication.score] = score
    final = sub.stage + 1 >= len(spec.stages)
    who = actors(principal, application, spec)
    try:
        moved, stage = await advance(
            KIND, sub, action, who, {Guard.FINAL_STAGE if final else Guard.MORE_STAGES}
        )
    except Refused as refused:
        message = _("Someone else decided this application in the meantime.")
        raise FundingError("status", message, 409) from refused
    # the funding part follows the submission's move (same transaction: written only when it moved)
    await FundingApplication.update(own).where(FundingApplication.id == app.id)
    status = moved.target
    await submissions.record_move(principal, sub, status)
    await record_step(
        sub,
        stage_role(spec, application),
        principal,
        action,
        comment,
        reopens,
        verified=verified,
        reasons=reasons,
        due_on=due_on,
    )
    await audit.record(
        f"funding_review.{decision}",
        OWNER,
        application.id,
        before={
            "status": sub.status,
            "stage": sub.stage,
            "verified": as_dict(app.verified),
            "reasons": as_dict(app.verified_reasons),
        },
        after={
            "status": status,
            "stage": stage,
            "verified": merged,
            "reasons": merged_reasons,
            "comment": comment,
            "score": str(score) if score is not None else None,
            **(
                {"reopens": info_requests.to_json(reopens), "due_on": str(due_on)}
                if action is Action.REQUEST_INFO
                else {}
            ),
        },
    )
    return status
