"""What certification has waiting for a user (the workspace, ``pilotzone.home``): reviews at the
caller's stage, objections to resolve (bureau administrators); for an applicant its applications with
their state and next step, information requests to answer, certificates with their expiry and the
schemes it may apply for. One query per kind of item."""

from __future__ import annotations

from datetime import datetime, timedelta

from pilotzone import db
from pilotzone.auth.principal import Principal
from pilotzone.certification import reviews
from pilotzone.certification.applications import KIND, status_label
from pilotzone.web.formats import local_time
from pilotzone.web.i18n import gettext as _
from pilotzone.web.i18n import ngettext, pick
from pilotzone.web.worklist import Link, Section, Todo, WorkEntry, compact, now, todo
from pilotzone.workflow import due, objections
from pilotzone.workflow.states import CertificationState as State
from pilotzone.workflow.states import Kind

APPLICANTS = ("enterprise_user", "park_operator")

# the applicant's applications (an enterprise's or a park's), newest first, with the scheme and notice end
_MINE = f"""
SELECT s.id, s.subject_label, s.status, s.updated_at, COALESCE(s.moved_at, s.submitted_at, s.updated_at) AS since,
       sc.name_zh, sc.name_en, n.notice_until
  FROM submission s JOIN application a ON a.id = s.id AND a.tenant_id = s.tenant_id
  JOIN scheme sc ON sc.id = a.scheme AND sc.tenant_id = a.tenant_id
  LEFT JOIN notice n ON n.submission = s.id AND n.tenant_id = s.tenant_id AND n.kind = '{KIND.value}'
 WHERE s.kind = '{KIND.value}' AND s.status <> '{State.WITHDRAWN.value}'
   AND ($1::int IS NULL OR s.applicant_enterprise = $1) AND ($2::int IS NULL OR s.applicant_park = $2)
 ORDER BY s.id DESC
 LIMIT 100
"""  # noqa: S608 - fixed SQL text

_CERTIFICATES = """
SELECT c.id, c.number, c.subject_label, c.valid_until, c.status, sc.name_zh, sc.name_en
  FROM certificate c JOIN submission s ON s.id = c.application AND s.tenant_id = c.tenant_id
  JOIN application a ON a.id = s.id AND a.tenant_id = s.tenant_id
  JOIN scheme sc ON sc.id = a.scheme AND sc.tenant_id = a.tenant_id
 WHERE c.status IN ('valid', 'expired')
   AND ($1::int IS NULL OR s.applicant_enterprise = $1) AND ($2::int IS NULL OR s.applicant_park = $2)
 ORDER BY c.valid_until, c.id
 LIMIT 100
"""

_STARTABLE = """
SELECT key, name_zh, name_en FROM scheme
 WHERE active AND spec -> 'applicants' ? $1
 ORDER BY id
"""

EXPIRING_DAYS = 90  # a certificate ending within this many days is a to-do (renew), not only an item


def next_step(status: str) -> str:
    """What the applicant does (or waits for) next, in words."""
    steps: dict[str, str] = {
        State.DRAFT: _("Complete and submit the application"),
        State.INFO_REQUESTED: _("Answer the information request"),
        State.SUBMITTED: _("Wait for the review"),
        State.IN_REVIEW: _("Wait for the review"),
        State.NOTICE: _("Wait for the end of the public notice"),
        State.OBJECTED: _("Wait for the bureau to resolve the objection"),
        State.CERTIFIED: _("Certificate issued"),
        State.REJECTED: _("Read the reasons on the application"),
    }
    return steps.get(status, "")


async def todos(principal: Principal) -> list[Todo]:
    m = principal.acting
    if principal.province or m is None:
        return []
    found: list[Todo | None] = []
    if m.role in ("district_reviewer", "bureau_reviewer", "bureau_admin"):
        found.append(await _reviews(principal))
    if m.role == "bureau_admin":
        found.append(await _objections())
    if m.role in APPLICANTS:
        enterprise = m.enterprise_id if m.role == "enterprise_user" else None
        park = m.park_id if m.role == "park_operator" else None
        if enterprise is not None or park is not None:
            found.extend(await _applicant(enterprise, park))
        found.append(await _startable(m.role))
    return compact(found)


async def _reviews(principal: Principal) -> Todo | None:
    queue = await reviews.queue(principal)
    entries = [
        WorkEntry(
            label=r["subject_label"],
            link=Link("review", {"application_id": r["id"]}),
            note=r["scheme_name"],
            since=r["since"],
        )
        for r in queue["rows"]
    ]
    return todo("certification.reviews", _("Certification applications to review"), Link("reviews"), entries)


async def _objections() -> Todo | None:
    entries = await objections.open_objections(Kind.CERTIFICATION, "objections")
    return todo(
        "certification.objections", _("Objections to certifications to resolve"), Link("objections"), entries
    )


async def _applicant(enterprise: int | None, park: int | None) -> list[Todo | None]:
    rows = await db.fetch(_MINE, enterprise, park)
    mine = [
        WorkEntry(
            label=pick(r["name_zh"], r["name_en"]),
            link=Link("application", {"application_id": r["id"]}),
            state=status_label(r["status"], r["notice_until"]),
            note=next_step(r["status"]),
            since=r["since"],
        )
        for r in rows
    ]
    asked = await due.with_due(
        [(r["id"], e) for e, r in zip(mine, rows, strict=True) if r["status"] == State.INFO_REQUESTED]
    )
    drafts = [e for e, r in zip(mine, rows, strict=True) if r["status"] == State.DRAFT]
    certificates = await db.fetch(_CERTIFICATES, enterprise, park)
    moment = now()
    soon = moment + timedelta(days=EXPIRING_DAYS)
    held = [
        WorkEntry(
            label=f"{pick(c['name_zh'], c['name_en'])} {c['number']}",
            link=Link("certificates"),
            note=_ends(c["status"], c["valid_until"], moment, soon),
            due=c["valid_until"],
        )
        for c in certificates
    ]
    expiring = [e for e in held if e.due is not None and e.due <= soon]
    return [
        todo(
            "certification.answers",
            _("Information requests to answer (certification)"),
            Link("applications"),
            asked,
        ),
        todo("certification.drafts", _("Certification applications to submit"), Link("applications"), drafts),
        todo("certification.expiring", _("Certificates to renew"), Link("certificates"), expiring),
        todo(
            "certification.mine",
            _("My certification applications"),
            Link("applications"),
            mine,
            section=Section.MINE,
        ),
        todo("certification.held", _("My certificates"), Link("certificates"), held, section=Section.MINE),
    ]


def _ends(status: str, valid_until: datetime, moment: datetime, soon: datetime) -> str:
    """When a certificate ended or ends, in words, if that is past or near."""
    if status == "expired" or valid_until <= moment:
        return _("expired on %(date)s", date=local_time(valid_until, "%Y-%m-%d"))
    if valid_until <= soon:
        days = (valid_until - moment).days
        return ngettext("expires in %(num)s day", "expires in %(num)s days", days)
    return ""


async def _startable(role: str) -> Todo | None:
    entries = [
        WorkEntry(
            label=pick(r["name_zh"], r["name_en"]),
            link=Link("application_new", query={"scheme": r["key"]}),
        )
        for r in await db.fetch(_STARTABLE, role)
    ]
    return todo(
        "certification.open",
        _("Certifications you may apply for"),
        Link("applications"),
        entries,
        section=Section.OPEN,
    )
