"""Public notice (公示) and objections.

The bureau administrator's final approval puts an application under public notice for the scheme's
``notice_days``: a ``notice`` row of kind certification (``workflow.tables.Notice``: its window,
``notice_until``); the state stays on the submission (``notice``, ``objected``, ...). Anyone may object
during the window (at most three objections per hour and IP address for one application): the
application is then ``objected`` and waits for the bureau administrator, who upholds the objection
(the application is rejected) or dismisses it (the notice resumes with the days that were left):
:mod:`pilotzone.workflow.objections`, shared with the award notice of funding. Applications whose
window ended are certified by :func:`pilotzone.certification.certificates.issue_due_certificates`.
:func:`now` (the workflow's) is the one clock of certification.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pilotzone import db
from pilotzone.auth.principal import Principal
from pilotzone.certification.applications import KIND, status_label
from pilotzone.certification.schemes import SchemeSpec
from pilotzone.web.i18n import gettext as _
from pilotzone.web.i18n import pick
from pilotzone.workflow import objections as objecting
from pilotzone.workflow.forms import ObjectionForm
from pilotzone.workflow.notice_list import PAGE_SIZE, NoticeQuery, keyset, page_links
from pilotzone.workflow.objections import Noticed, NoticeError, check_objection, now  # noqa: F401 - this kind's API
from pilotzone.workflow.states import CertificationState
from pilotzone.workflow.tables import Notice, Objection, Submission

NOTICE = Noticed(KIND, Submission, Submission.id, "objection", "application")

# the notices of certification with their submission, application and scheme (``n``, ``s``, ``a``, ``sc``)
NOTICED = (
    "FROM notice n JOIN submission s ON s.id = n.submission AND s.tenant_id = n.tenant_id "
    "JOIN application a ON a.id = s.id AND a.tenant_id = s.tenant_id "
    "JOIN scheme sc ON sc.id = a.scheme AND sc.tenant_id = a.tenant_id "
    f"WHERE n.kind = '{KIND.value}'"
)


def notice_end(spec: SchemeSpec) -> datetime:
    return now() + timedelta(days=spec.notice_days)


# -- the public notice


def running_sql(sub: str, notice: str, at: str) -> str:
    """Whether the notice ``notice`` of the submission ``sub`` runs at the moment ``at`` (SQL): the one
    definition. An application stays ``notice`` until its certificate is issued
    (:func:`pilotzone.certification.certificates.issue_due_certificates`, which takes those whose
    notice has ended); whether it is still *under notice* follows from ``notice_until`` alone."""
    return f"({sub}.status = '{CertificationState.NOTICE}' AND {notice}.notice_until > {at})"


def notices_sql(query: NoticeQuery) -> tuple[str, list]:
    """One page of the applications under notice at ``$1`` (an index range in the page's order)."""
    where, order, args = keyset(query, "n", "submission", 2)
    sql = (
        "SELECT n.id AS notice_id, s.id, n.subject_label, s.moved_at, n.notice_until, sc.name_zh, sc.name_en "  # noqa: S608 - fixed SQL text, values are parameters
        f"{NOTICED} AND {running_sql('s', 'n', '$1')} AND {where} "
        f"ORDER BY {order} LIMIT {PAGE_SIZE + 1}"
    )
    return sql, [now(), *args]


async def public_notices(query: NoticeQuery, base: str) -> tuple[list[dict], dict[str, str]]:
    """One page of the applications under notice: number, scheme name, subject and period only
    (nothing private); and the links to the first and the next page."""
    sql, args = notices_sql(query)
    rows = [dict(r) for r in await db.fetch(sql, *args)]
    for row in rows:
        row["scheme_name"] = pick(row.pop("name_zh"), row.pop("name_en"))
    return page_links(base, query, rows)


async def public_notice(application_id: int) -> dict | None:
    """One application under notice (or paused by an objection: others may join in), as listed."""
    sql = (
        "SELECT n.id AS notice_id, s.id, n.subject_label, s.moved_at, n.notice_until, s.status, "  # noqa: S608 - fixed SQL text
        f"sc.name_zh, sc.name_en {NOTICED} AND n.submission = $1 "
        f"AND ({running_sql('s', 'n', '$2')} OR s.status = '{CertificationState.OBJECTED}')"
    )
    rows = [dict(r) for r in await db.fetch(sql, application_id, now())]
    for row in rows:
        row["scheme_name"] = pick(row.pop("name_zh"), row.pop("name_en"))
    return rows[0] if rows else None


async def raise_objection(application_id: int, form: ObjectionForm, ip: str) -> Objection:
    """Record an objection and pause the notice. Raises NoticeError (404, 429, or 400 with a field)."""
    listed = await public_notice(application_id)
    notice = await Notice.objects().where(Notice.id == listed["notice_id"]).first() if listed else None
    if listed is None or notice is None:  # under notice, or paused by an objection (others may join in)
        raise NoticeError("status", _("This application is not under public notice."), 404)
    status = listed["status"]
    return await objecting.raise_objection(NOTICE, notice, application_id, status, status, form, ip)


# -- the bureau's side


_OBJECTIONS = f"""
SELECT o.id, s.id AS application, o.name, o.contact, o.reason, o.created_at, o.status, o.resolution_note,
       s.subject_label, s.status AS application_status, n.notice_until, sc.name_zh, sc.name_en
  FROM objection o JOIN notice n ON n.id = o.notice AND n.tenant_id = o.tenant_id
  JOIN submission s ON s.id = n.submission AND s.tenant_id = n.tenant_id
  JOIN application a ON a.id = s.id AND a.tenant_id = s.tenant_id
  JOIN scheme sc ON sc.id = a.scheme AND sc.tenant_id = a.tenant_id
 WHERE n.kind = '{KIND.value}'
 ORDER BY (o.status = 'open') DESC, o.id DESC
 LIMIT 500
"""  # noqa: S608 - fixed SQL text


async def objections() -> list[dict]:
    rows = [dict(r) for r in await db.fetch(_OBJECTIONS)]
    for row in rows:
        row["scheme_name"] = pick(row.pop("name_zh"), row.pop("name_en"))
        row["application_status_label"] = status_label(row["application_status"], row["notice_until"])
    return rows


async def resolve(principal: Principal, objection_id: int, decision: str, note: str) -> str:
    """Uphold (reject the application) or dismiss (resume the notice); returns the application status.
    Only an objection to a certification notice (an award's is funding's: 404)."""
    return await objecting.settle(NOTICE, principal, objection_id, decision, note)
