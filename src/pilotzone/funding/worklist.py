"""What funding has waiting for a user (the workspace, ``pilotzone.home``): applications to review at
the caller's stage; for bureau administrators calculations to approve (started by another
administrator: four eyes), awards to pay and objections to awards; for an applicant its applications
with their state and next step, information requests to answer, its awards and payments, and the open
rounds it may apply for. One query per kind of item."""

from __future__ import annotations

from datetime import date, datetime, time

from pilotzone import db
from pilotzone.auth.principal import Principal
from pilotzone.funding import award_notice, reviews
from pilotzone.funding.applications import APPLICANTS, KIND, open_rounds, status_label
from pilotzone.web.formats import TZ, amount
from pilotzone.web.i18n import gettext as _
from pilotzone.web.i18n import pick
from pilotzone.web.labels import label
from pilotzone.web.worklist import Link, Section, Todo, WorkEntry, compact, now, todo
from pilotzone.workflow import due, objections
from pilotzone.workflow.states import AwardState, Kind
from pilotzone.workflow.states import FundingState as State

_CALCULATIONS = """
SELECT c.id, c.round, c.finished_at, c.total_award, r.name_zh, r.name_en
  FROM calculation c JOIN round r ON r.id = c.round AND r.tenant_id = c.tenant_id
 WHERE c.status = 'calculated' AND c.started_by IS DISTINCT FROM $1
 ORDER BY c.finished_at, c.id
 LIMIT 200
"""

_TO_PAY = f"""
SELECT e.id, e.round, e.subject_label, e.awarded, e.paid, e.created_at
  FROM ledger_entry e {award_notice.notice_join()}
 WHERE {award_notice.state_sql("e", "$1")} = '{AwardState.AWARDED.value}' AND e.paid < e.awarded
 ORDER BY e.created_at, e.id
 LIMIT 500
"""  # noqa: S608 - fixed SQL text

# the applicant's applications with their program, round and award (if any), newest first
_MINE = f"""
SELECT s.id, s.status, COALESCE(s.moved_at, s.submitted_at, s.updated_at) AS since,
       p.name_zh, p.name_en, r.closes_at, r.status AS round_status,
       e.awarded, e.paid, {award_notice.state_sql("e", "$3")} AS award_state
  FROM submission s JOIN funding_application a ON a.id = s.id AND a.tenant_id = s.tenant_id
  JOIN program p ON p.id = a.program AND p.tenant_id = a.tenant_id
  JOIN round r ON r.id = a.round AND r.tenant_id = a.tenant_id
  LEFT JOIN ledger_entry e ON e.application = s.id AND e.tenant_id = s.tenant_id
  {award_notice.notice_join()}
 WHERE s.kind = '{KIND.value}' AND s.status <> '{State.WITHDRAWN.value}'
   AND ($1::int IS NULL OR s.applicant_enterprise = $1) AND ($2::int IS NULL OR s.applicant_park = $2)
 ORDER BY s.id DESC
 LIMIT 100
"""  # noqa: S608 - fixed SQL text


def next_step(status: str, round_status: str) -> str:
    """What the applicant does (or waits for) next, in words."""
    if status == State.VERIFIED:
        return _("Wait for the round's calculation") if round_status in ("open", "closed") else ""
    steps: dict[str, str] = {
        State.DRAFT: _("Complete and submit the application"),
        State.INFO_REQUESTED: _("Answer the information request"),
        State.SUBMITTED: _("Wait for the review"),
        State.IN_REVIEW: _("Wait for the review"),
        State.REJECTED: _("Read the reasons on the application"),
    }
    return steps.get(status, "")


def _end_of(day: date | None) -> datetime | None:
    """The end of a round's last day (a date, in the pilot zones' zone) as a moment, for deadlines."""
    return None if day is None else datetime.combine(day, time.max, tzinfo=TZ)


async def todos(principal: Principal) -> list[Todo]:
    m = principal.acting
    if principal.province or m is None:
        return []
    found: list[Todo | None] = []
    if m.role in ("district_reviewer", "bureau_reviewer", "bureau_admin"):
        found.append(await _reviews(principal))
    if m.role == "bureau_admin":
        found.extend([await _to_approve(principal), await _to_pay(), await _objections()])
    if m.role in ("enterprise_user", "park_operator"):
        enterprise = m.enterprise_id if m.role == "enterprise_user" else None
        park = m.park_id if m.role == "park_operator" else None
        if enterprise is not None or park is not None:
            found.extend(await _applicant(enterprise, park))
        found.append(await _open(m.role))
    return compact(found)


async def _reviews(principal: Principal) -> Todo | None:
    entries = [
        WorkEntry(
            label=r["subject_label"],
            link=Link("funding_application", {"funding_application_id": r["id"]}),
            note=pick(r["name_zh"], r["name_en"]),
            since=r["since"],
        )
        for r in await reviews.queue(principal)
    ]
    return todo("funding.reviews", _("Funding applications to review"), Link("funding_reviews"), entries)


async def _to_approve(principal: Principal) -> Todo | None:
    entries = [
        WorkEntry(
            label=pick(r["name_zh"], r["name_en"]),
            link=Link("funding_round", {"round_id": r["round"]}),
            note=amount(r["total_award"]),
            since=r["finished_at"],
        )
        for r in await db.fetch(_CALCULATIONS, principal.user_id)
    ]
    first = entries[0].link if entries else Link("programs")
    return todo("funding.approve", _("Calculations to approve"), first, entries)


async def _to_pay() -> Todo | None:
    entries = [
        WorkEntry(
            label=r["subject_label"],
            link=Link("funding_round", {"round_id": r["round"]}),
            note=amount(r["awarded"] - r["paid"]),
            since=r["created_at"],
        )
        for r in await db.fetch(_TO_PAY, now())
    ]
    first = entries[0].link if entries else Link("programs")
    return todo("funding.payments", _("Awards to pay"), first, entries)


async def _objections() -> Todo | None:
    entries = await objections.open_objections(Kind.AWARD, "funding_objections")
    return todo(
        "funding.objections", _("Objections to awards to resolve"), Link("funding_objections"), entries
    )


async def _applicant(enterprise: int | None, park: int | None) -> list[Todo | None]:
    rows = await db.fetch(_MINE, enterprise, park, now())
    mine, drafts, awards = [], [], []
    asked: list[tuple[int, WorkEntry]] = []
    for r in rows:
        link = Link("funding_application", {"funding_application_id": r["id"]})
        name = pick(r["name_zh"], r["name_en"])
        entry = WorkEntry(
            label=name,
            link=link,
            state=status_label(r["status"]),
            note=next_step(r["status"], r["round_status"]),
            since=r["since"],
            due=_end_of(r["closes_at"]) if r["status"] == State.DRAFT else None,
        )
        mine.append(entry)
        if r["status"] == State.INFO_REQUESTED:
            asked.append((r["id"], entry))
        elif r["status"] == State.DRAFT:
            drafts.append(entry)
        if r["awarded"] is not None:
            state = r["award_state"]
            awards.append(
                WorkEntry(
                    label=name,
                    link=link,
                    state=label(AwardState(state)) if state in AwardState.values() else "",
                    note=_(
                        "awarded %(awarded)s, paid %(paid)s",
                        awarded=amount(r["awarded"]),
                        paid=amount(r["paid"]),
                    ),
                )
            )
    return [
        todo(
            "funding.answers",
            _("Information requests to answer (funding)"),
            Link("funding_applications"),
            await due.with_due(asked),
        ),
        todo("funding.drafts", _("Funding applications to submit"), Link("funding_applications"), drafts),
        todo(
            "funding.mine",
            _("My funding applications"),
            Link("funding_applications"),
            mine,
            section=Section.MINE,
        ),
        todo(
            "funding.awards",
            _("My awards and payments"),
            Link("funding_applications"),
            awards,
            section=Section.MINE,
        ),
    ]


async def _open(role: str) -> Todo | None:
    entries = [
        WorkEntry(
            label=f"{pick(r['program.name_zh'], r['program.name_en'])} · {pick(r['name_zh'], r['name_en'])}",
            link=Link("funding_application_new", query={"round_id": str(r["id"])}),
            due=_end_of(r["closes_at"]),
        )
        for r in await open_rounds()
        if role in APPLICANTS.get(r["program.subject"], ["enterprise_user"])
    ]
    return todo(
        "funding.open",
        _("Open funding rounds you may apply for"),
        Link("programs"),
        entries,
        section=Section.OPEN,
    )
