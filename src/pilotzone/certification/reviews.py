"""Review of submitted applications (审核): the stages of the scheme version the application was started
under, one after the other, each decided by the role the spec names for it.

``in_review`` at ``stage`` i waits for the role ``spec.stages[i]`` (a district reviewer only for
applications of their district). Approving moves it to stage i + 1, or, at the last stage (the bureau
administrator, whose total must reach ``pass_mark``), to ``notice`` (approved, under public notice); rejecting ends it;
requesting information sends it to ``info_requested`` until the applicant answers (the request names the
fields and documents it reopens, see ``answers``), and the same stage resumes. A reviewer who declares a conflict of interest no longer sees or decides it. Every decision is
a ``review_step`` row (``workflow.tables.ReviewStep``: scores and total) and an audit record; the final
approval opens the application's public notice (a ``notice`` row of kind certification).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from pilotzone import db
from pilotzone.auth import audit
from pilotzone.auth.principal import Principal
from pilotzone.certification.applications import KIND, Case, actors, now, spec_of, stage_role
from pilotzone.certification.notices import notice_end
from pilotzone.certification.schemes import CriterionSpec, SchemeSpec
from pilotzone.web.i18n import gettext as _
from pilotzone.web.i18n import pick
from pilotzone.workflow import filters, info_requests, submissions
from pilotzone.workflow.forms import Posted, ReviewForm
from pilotzone.workflow.objections import open_notice
from pilotzone.workflow.reviews import advance, comment_errors, queue_of, record_step, reopened_by, steps_of
from pilotzone.workflow.states import Action, CertificationState, Decision, Guard
from pilotzone.workflow.tables import ReviewStep, Submission
from pilotzone.workflow.transitions import Refused, check, may

DECISIONS = (Decision.APPROVE, Decision.REJECT, Decision.REQUEST_INFO, Decision.CONFLICT)
ACTIONS = {
    "approve": "review.approved",
    "reject": "review.rejected",
    "request_info": "review.info_requested",
    "conflict": "review.conflict",
}
AGES = (0, 7, 14, 30)  # queue filter: at least this many days waiting


class ReviewError(Exception):
    """``field`` names the form field (or ``status``); ``message`` is translated; ``status`` is HTTP."""

    def __init__(self, field: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.field, self.message, self.status = field, message, status


def is_final(case: Case) -> bool:
    return case.sub.stage == len(spec_of(case).stages) - 1


async def conflicted(principal: Principal, application_id: int) -> bool:
    return await ReviewStep.exists().where(
        (ReviewStep.submission == application_id)
        & (ReviewStep.reviewer_id == principal.user_id)
        & (ReviewStep.decision == Decision.CONFLICT)
    )


def may_review(principal: Principal, case: Case) -> bool:
    """The role of the current stage, whose scope covers the application (conflicts aside)."""
    return may(KIND, case.sub.status, Action.APPROVE, actors(principal, case))


# -- scores


def total_of(criteria: list[CriterionSpec], scores: dict[str, int]) -> Decimal:
    """Weighted total on 0..100: sum(score / scale * weight), two decimals."""
    total = sum(
        (Decimal(scores[c.key]) / Decimal(c.scale) * Decimal(c.weight) for c in criteria),
        Decimal(0),
    )
    return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def parse_scores(spec: SchemeSpec, form: Mapping[str, str]) -> tuple[dict[str, int], dict[str, str]]:
    """The scores posted as ``score:<criterion>`` (whole numbers 0..scale) and errors by field."""
    scores: dict[str, int] = {}
    errors: dict[str, str] = {}
    for criterion in spec.criteria:
        name = f"score:{criterion.key}"
        raw = form.get(name, "").strip()
        if raw == "":
            continue
        scale = criterion.scale
        if not raw.isdigit() or int(raw) > scale:
            errors[name] = _("Enter a whole number from 0 to %(scale)s.", scale=scale)
        else:
            scores[criterion.key] = int(raw)
    return scores, errors


# -- queue


_QUEUE = """
SELECT s.id, s.subject_label, s.district_code, s.stage, sc.key AS scheme_key, sc.name_zh, sc.name_en,
       COALESCE(s.moved_at, s.submitted_at, s.updated_at) AS since
  FROM submission s
  JOIN application a ON a.id = s.id AND a.tenant_id = s.tenant_id
  JOIN scheme sc ON sc.id = a.scheme AND sc.tenant_id = a.tenant_id
 WHERE s.kind = $6 AND s.status = $4 AND a.spec -> 'stages' ->> s.stage = $1
   AND ($2 = '' OR s.district_code = $2)
   AND NOT EXISTS (SELECT 1 FROM review_step r WHERE r.submission = s.id AND r.tenant_id = s.tenant_id
                   AND r.reviewer_id = $3 AND r.decision = $5)
   AND {filtered}
 ORDER BY since, s.id
 LIMIT 500
"""


async def queue(
    principal: Principal, scheme: str = "", min_age: int = 0, chosen: filters.Filters | None = None
) -> dict:
    """Applications waiting for the caller's role: ``rows`` (filtered), ``counts`` per scheme (by the
    search and district of ``chosen``, not by scheme or age)."""
    mine = queue_of(principal)
    if mine is None:
        return {"rows": [], "counts": []}
    role, district = mine
    now = datetime.now(UTC)
    sql = filters.Sql(
        [role, district, principal.user_id or 0, CertificationState.IN_REVIEW, Decision.CONFLICT, KIND.value]
    )
    if chosen is not None:
        await filters.narrowed(sql, chosen)
    rows = [dict(r) for r in await db.fetch(_QUEUE.format(filtered=sql.where), *sql.args)]
    counts: dict[str, dict] = {}
    for row in rows:
        row["scheme_name"] = pick(row["name_zh"], row["name_en"])
        row["age_days"] = (now - row["since"]).days if row["since"] else 0
        entry = counts.setdefault(
            row["scheme_key"], {"key": row["scheme_key"], "name": row["scheme_name"], "n": 0}
        )
        entry["n"] += 1
    shown = [r for r in rows if (not scheme or r["scheme_key"] == scheme) and r["age_days"] >= min_age]
    return {"rows": shown, "counts": list(counts.values())}


async def reviews_of(application_id: int) -> list[dict]:
    return await steps_of(application_id)


# -- decisions


def holds(case: Case, conflict: bool, total: Decimal | None) -> set[Guard]:
    """The guards that hold for a decision on the application (see the transition table)."""
    found = {Guard.FINAL_STAGE if is_final(case) else Guard.MORE_STAGES}
    if not conflict:
        found.add(Guard.NO_CONFLICT)
    if total is not None and total >= Decimal(spec_of(case).pass_mark):
        found.add(Guard.PASS_MARK)
    return found


async def decide(principal: Principal, case: Case, form: ReviewForm, named: Posted) -> str:
    """Perform one decision (``named``: the scores per criterion and the reopen checkboxes); returns
    the new status. Raises ReviewError (403 when the caller may not)."""
    if form.decision not in DECISIONS:
        raise ReviewError("decision", _("Choose a decision."))
    action = Action(form.decision)
    sub = case.sub
    if await conflicted(principal, case.id):
        raise ReviewError("status", _("You declared a conflict of interest for this application."), 403)
    who = actors(principal, case)
    if not may(KIND, sub.status, action, who):
        raise ReviewError("status", _("This application is not waiting for your review."), 403)
    spec = spec_of(case)
    criteria = spec.criteria
    comment = form.comment.strip()
    scores, errors = parse_scores(spec, named)
    total = total_of(criteria, scores) if len(scores) == len(criteria) else None
    if action is Action.APPROVE:
        for c in criteria:
            if c.key not in scores:
                errors.setdefault(f"score:{c.key}", _("Score this criterion."))
    errors = errors if action is Action.APPROVE else comment_errors(action, comment)
    due_on, due_errors = info_requests.requested_due(action, named)
    errors.update(due_errors)
    if errors:
        raise ReviewError(next(iter(errors)), errors[next(iter(errors))])
    reopens = reopened_by(action, spec.fields, spec.documents, named)
    guards = holds(case, False, total)
    try:
        transition = check(KIND, sub.status, action, who, guards)
    except Refused as refused:
        message = _("The total %(total)s is below the pass mark %(mark)s.", total=total, mark=spec.pass_mark)
        raise ReviewError("total", message) from refused
    status, stage = transition.target, sub.stage
    if action is not Action.DECLARE_CONFLICT:
        try:
            _moved, stage = await advance(KIND, sub, action, who, guards, {Submission.moved_at: now()})
        except Refused as refused:
            message = _("Someone else decided this application in the meantime.")
            raise ReviewError("status", message, 409) from refused
        if status == CertificationState.NOTICE:  # approved at the last stage: the public notice (公示) starts
            await open_notice(KIND, sub, notice_end(spec))
        changes = [("stage", str(sub.stage), str(stage))] if stage != sub.stage else []
        if status != sub.status:
            changes.append(("status", sub.status, status))
        await submissions.write_changes(principal, case.id, changes)
    await record_step(
        sub, stage_role(case), principal, action, comment, reopens, scores=scores, total=total, due_on=due_on
    )
    await audit.record(
        ACTIONS[form.decision],
        "application",
        case.id,
        before={"status": sub.status, "stage": sub.stage},
        after={
            "status": status,
            "stage": stage,
            "scores": scores,
            "total": str(total) if total is not None else None,
            "comment": comment,
            **(
                {"reopens": info_requests.to_json(reopens), "due_on": str(due_on)}
                if action is Action.REQUEST_INFO
                else {}
            ),
        },
    )
    return status
