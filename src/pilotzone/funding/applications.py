"""Funding applications (扶持申报): an applicant declares a program's inputs for an open round, uploads
its documents, submits (checked against the program version current at submission, refused while the
enterprise is on the negative list) or withdraws. Reviewers go through the spec's stages like
certification reviews: record verified values per input, request information, approve (the last stage
makes it ``verified``) or reject. Every state change is audited.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import msgspec

from pilotzone.auth import audit
from pilotzone.auth.principal import Principal
from pilotzone.documents import keyed
from pilotzone.funding.application_tables import FundingApplication
from pilotzone.funding.deadlines import taking_applications
from pilotzone.funding.facts import facts_of
from pilotzone.funding.program_spec import InputSpec, ProgramSpec, from_stored
from pilotzone.funding.states import BY_DATE
from pilotzone.funding.tables import Program, ProgramVersion, Round
from pilotzone.registry.subjects import submission_subject
from pilotzone.web.deadlines import closes_in, tenant_today
from pilotzone.web.i18n import gettext as _
from pilotzone.web.labels import label
from pilotzone.workflow import fields, submissions
from pilotzone.workflow.fields import check_field
from pilotzone.workflow.forms import Posted
from pilotzone.workflow.scope import visible
from pilotzone.workflow.states import Action, Actor, FundingState, Guard, Kind
from pilotzone.workflow.submissions import Kept, kept_one
from pilotzone.workflow.tables import Submission
from pilotzone.workflow.transitions import Refused, actors_of, may, move_row

OWNER = "funding_application"
KIND = Kind.FUNDING
APPLICANTS = {"park": ["park_operator"]}  # who may apply by subject (else an enterprise user)


class FundingError(Exception):
    """``field`` names the form field (or ``status``); ``message`` is translated; ``status`` is HTTP."""

    def __init__(self, field: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.field, self.message, self.status = field, message, status


def status_label(code: str) -> str:
    try:
        return label(FundingState(code))
    except ValueError:
        return code


def now() -> datetime:
    return datetime.now(UTC)


def as_dict(value: Any) -> dict:
    return json.loads(value) if isinstance(value, str) else dict(value or {})


Applied = Kept[FundingApplication]  # a funding application: its submission and its part (program, round, verified)


class StartForm(msgspec.Struct):
    """The form that starts an application: the round's id and the subject's id."""

    round: str = ""
    subject_id: str = ""


# -- the spec


def unit_of(spec: ProgramSpec, field: InputSpec) -> str:
    """The unit shown next to an input: the program's unit for an amount, else the input's own
    (m², 月), else none."""
    return str(spec.unit) if field.type == "amount" else field.unit


def applicants_of(subject: str) -> list[str]:
    return APPLICANTS.get(subject, ["enterprise_user"])


def typed_inputs(spec: ProgramSpec, values: dict[str, str]) -> dict[str, Decimal | bool]:
    """The values the formula sees: numbers as Decimal, yes/no as bool; empty or invalid ones left out."""
    out: dict[str, Decimal | bool] = {}
    for field in spec.inputs:
        raw = str(values.get(field.key, "")).strip()
        if raw == "" or check_field(field, raw):
            continue
        if field.type in ("integer", "decimal", "amount"):  # an amount as declared (the program's unit)
            out[field.key] = Decimal(raw.replace(",", ""))
        elif field.type == "boolean":
            out[field.key] = raw == "yes"
    return out


def effective_values(application: Applied) -> dict[str, str]:
    """Verified values where present, else the declared ones."""
    return {**application.declared, **as_dict(application.app.verified)}


def validate(spec: ProgramSpec, values: dict[str, str], present_documents: set[str]) -> dict[str, str]:
    return fields.validate(spec.inputs, spec.documents, values, present_documents)


# -- lookups


async def version_spec(version_id: int) -> ProgramSpec:
    """The spec of a program version (decoded once per version; a version not found reads as blank)."""
    row = await ProgramVersion.select(ProgramVersion.spec).where(ProgramVersion.id == version_id).first()
    return from_stored(row["spec"] if row else None)


async def open_rounds(today: date | None = None) -> list[dict]:
    """Rounds taking applications today (the tenant's date: ``deadlines.taking_applications``), with
    their program and the time left (``deadline``)."""
    today = today or tenant_today()
    rows = await (
        Round.select(
            Round.id,
            Round.key,
            Round.name_zh,
            Round.name_en,
            Round.closes_at,
            Round.budget,
            Round.program.id,
            Round.program.key,
            Round.program.name_zh,
            Round.program.name_en,
            Round.program.subject,
        )
        .where(
            (Round.status.is_in(list(BY_DATE)))
            & (Round.opens_at <= today)
            & (Round.closes_at >= today)
            & (Round.program.active == True)  # noqa: E712 - a Piccolo expression
        )
        .order_by(Round.closes_at)
    )
    for row in rows:
        row["deadline"] = closes_in(row["closes_at"], today)
    return rows


async def get_application(application_id: int) -> Applied | None:
    return await kept_one(KIND, FundingApplication, application_id)


def actors(principal: Principal, application: Applied, spec: ProgramSpec) -> frozenset[Actor]:
    """The workflow actors ``principal`` plays for ``application`` judged by ``spec``."""
    stages, sub = spec.stages, application.sub
    return actors_of(
        principal,
        covers=visible(principal, sub),
        applicants=applicants_of(sub.subject_kind),
        stage_role=stages[sub.stage] if 0 <= sub.stage < len(stages) else "",
    )


def may_change(principal: Principal, application: Applied, spec: ProgramSpec) -> bool:
    sub = application.sub
    return (
        not principal.province
        and principal.role in applicants_of(sub.subject_kind)
        and visible(principal, sub)
    )


async def create_application(principal: Principal, round_id: str, subject_id: str) -> Applied:
    rounds = {str(r["id"]): r for r in await open_rounds()}
    chosen = rounds.get(round_id)
    if chosen is None:
        raise FundingError("round", _("Choose a round that is open for applications."))
    program = await Program.objects().where(Program.id == chosen["program.id"]).first()
    assert program is not None and program.current_version is not None
    if principal.role not in applicants_of(program.subject):
        raise FundingError("round", _("Your role may not apply for this program."), 403)
    subject = await submission_subject(principal, program.subject, subject_id)
    if subject is None:
        raise FundingError("subject_id", _("Choose what the application is for."))
    sub = await submissions.start(KIND, subject, principal)
    app = FundingApplication(
        id=sub.id, program=program.id, program_version=program.current_version, round=chosen["id"]
    )
    await app.save()
    await audit.record(
        "funding_application.created",
        OWNER,
        sub.id,
        after={
            "round": chosen["id"],
            "program_version": program.current_version,
            "subject_id": subject["subject_id"],
        },
    )
    return Kept(sub, app)


def merged_declared(application: Applied, spec: ProgramSpec, form: Posted) -> dict[str, str]:
    values = application.declared
    for field in spec.inputs:
        if field.key in form:
            values[field.key] = form[field.key].strip()
    return values


async def save_declared(principal: Principal, application: Applied, values: dict[str, str]) -> None:
    """Store what was typed (no validation: nothing is lost), one history row per changed input;
    only a draft changes."""
    if application.sub.status != FundingState.DRAFT:  # only a draft's values change
        raise FundingError("status", _("Only a draft can be changed."), 409)
    before = application.declared
    await submissions.save_values(principal, application.sub, values)
    if before != values:
        await audit.record("funding_application.saved", OWNER, application.id, before=before, after=values)


async def submit(principal: Principal, application: Applied, values: dict[str, str]) -> dict[str, str]:
    """Validate against the version current now and submit; returns field errors (nothing changed then:
    a round that no longer takes applications refuses before the draft is touched)."""
    draft_only = {"status": _("Only a draft can be submitted.")}
    sub, app = application.sub, application.app
    if not may(KIND, sub.status, Action.SUBMIT, {Actor.APPLICANT}):
        return draft_only
    rnd = await Round.objects().where(Round.id == app.round).first()
    assert rnd is not None
    closed = round_refusal(rnd)
    if closed:
        return {"status": closed}
    holds: set[Guard] = {Guard.ROUND_OPEN}
    await save_declared(principal, application, values)
    program = await Program.objects().where(Program.id == app.program).first()
    assert program is not None and program.current_version is not None
    spec = await version_spec(program.current_version)
    present = {k for k, versions in (await keyed.documents_by_key(OWNER, application.id)).items() if versions}
    errors = validate(spec, values, present)
    if errors:
        return errors
    facts = await facts_of(sub.subject_kind, sub.subject_id, now())
    if facts is not None and facts.negative_entry:
        return {
            "status": _(
                "The enterprise is on the credit negative list (%(reason)s) and may not apply.",
                reason=facts.negative_entry,
            )
        }
    holds.add(Guard.NOT_NEGATIVE_LISTED)
    moment = now()
    try:
        moved = await move_row(
            KIND,
            sub,
            Action.SUBMIT,
            actors(principal, application, spec),
            holds,
            changes={Submission.stage: 0, Submission.submitted_at: moment},
        )
    except Refused:
        return draft_only
    await submissions.record_move(principal, sub, moved.target)
    await FundingApplication.update({FundingApplication.program_version: program.current_version}).where(
        FundingApplication.id == app.id
    )
    await audit.record(
        "funding_application.submitted",
        OWNER,
        application.id,
        before={"status": sub.status},
        after={"status": moved.target, "program_version": program.current_version, "declared": values},
    )
    return {}


def round_refusal(rnd: Round, today: date | None = None) -> str:
    """Why ``rnd`` takes no submission today (tenant date), or ``""`` when it does."""
    today = today or tenant_today()
    if taking_applications(rnd.status, rnd.opens_at, rnd.closes_at, today):
        return ""
    if rnd.status in BY_DATE and today < rnd.opens_at:
        return _("This round takes applications from %(date)s.", date=rnd.opens_at.isoformat())
    if rnd.status in BY_DATE or today > rnd.closes_at:
        return _(
            "This round closed on %(date)s: applications can no longer be submitted. Your draft is kept.",
            date=rnd.closes_at.isoformat(),
        )
    return _("The bureau has closed this round: applications can no longer be submitted. Your draft is kept.")


async def withdraw(principal: Principal, application: Applied, spec: ProgramSpec) -> None:
    sub = application.sub
    try:
        moved = await move_row(KIND, sub, Action.WITHDRAW, actors(principal, application, spec))
    except Refused as refused:
        raise FundingError("status", _("This application can no longer be withdrawn."), 409) from refused
    await submissions.record_move(principal, sub, moved.target)
    await audit.record(
        "funding_application.withdrawn",
        OWNER,
        application.id,
        before={"status": sub.status},
        after={"status": moved.target},
    )
