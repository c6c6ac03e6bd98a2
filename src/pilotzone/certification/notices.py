"""Public notice (公示) and objections.

The bureau administrator's final approval puts an application under public notice for the scheme's
``notice_days`` (``notice_until``). Anyone may object during the window (at most three objections per
hour and IP address for one application): the application is then ``objected`` and waits for the
bureau administrator, who upholds the objection (the application is rejected) or dismisses it (the
notice resumes with the days that were left): :mod:`pilotzone.workflow.objections`, shared with the
award notice of funding. Applications whose window ended are certified by
:func:`pilotzone.certification.certificates.issue_due_certificates`. :func:`now` (the workflow's) is
the one clock of certification.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pilotzone import db
from pilotzone.auth.principal import Principal
from pilotzone.certification.applications import KIND, status_label
from pilotzone.certification.schemes import SchemeSpec
from pilotzone.certification.tables import Application, Objection
from pilotzone.web.i18n import gettext as _
from pilotzone.web.i18n import pick
from pilotzone.workflow import objections as objecting
from pilotzone.workflow.forms import ObjectionForm
from pilotzone.workflow.notice_list import PAGE_SIZE, NoticeQuery, keyset, page_links
from pilotzone.workflow.objections import Notice, NoticeError, check_objection, now  # noqa: F401 - this kind's API
from pilotzone.workflow.states import CertificationState

NOTICE = Notice(KIND, Objection, Objection.application, Application, "objection", "application")


def notice_end(spec: SchemeSpec) -> datetime:
    return now() + timedelta(days=spec.notice_days)


# -- the public notice


def running_sql(alias: str, at: str) -> str:
    """Whether the notice of the applications ``alias`` runs at the moment ``at`` (SQL): the one
    definition. An application stays ``notice`` until its certificate is issued
    (:func:`pilotzone.certification.certificates.issue_due_certificates`, which takes those whose
    notice has ended); whether it is still *under notice* follows from ``notice_until`` alone."""
    return f"({alias}.status = '{CertificationState.NOTICE}' AND {alias}.notice_until > {at})"


def notices_sql(query: NoticeQuery) -> tuple[str, list]:
    """One page of the applications under notice at ``$1`` (an index range in the page's order)."""
    where, order, args = keyset(query, "a", "id", 2)
    sql = (
        "SELECT a.id, a.subject_label, a.moved_at, a.notice_until, s.name_zh, s.name_en "  # noqa: S608 - fixed SQL text, values are parameters
        f"FROM application a JOIN scheme s ON s.id = a.scheme WHERE {running_sql('a', '$1')} AND {where} "
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
        "SELECT a.id, a.subject_label, a.moved_at, a.notice_until, a.status, s.name_zh, s.name_en "  # noqa: S608 - fixed SQL text
        "FROM application a JOIN scheme s ON s.id = a.scheme "
        f"WHERE a.id = $1 AND ({running_sql('a', '$2')} OR a.status = '{CertificationState.OBJECTED}')"
    )
    rows = [dict(r) for r in await db.fetch(sql, application_id, now())]
    for row in rows:
        row["scheme_name"] = pick(row.pop("name_zh"), row.pop("name_en"))
    return rows[0] if rows else None


async def raise_objection(application_id: int, form: ObjectionForm, ip: str) -> Objection:
    """Record an objection and pause the notice. Raises NoticeError (404, 429, or 400 with a field)."""
    notice = await public_notice(application_id)
    if notice is None:  # under notice, or paused by an objection (others may join in)
        raise NoticeError("status", _("This application is not under public notice."), 404)
    status = notice["status"]
    return await objecting.raise_objection(NOTICE, application_id, status, status, form, ip)


# -- the bureau's side


_OBJECTIONS = """
SELECT o.id, o.application, o.name, o.contact, o.reason, o.created_at, o.status, o.resolution_note,
       a.subject_label, a.status AS application_status, a.notice_until, s.name_zh, s.name_en
  FROM objection o JOIN application a ON a.id = o.application JOIN scheme s ON s.id = a.scheme
 ORDER BY (o.status = 'open') DESC, o.id DESC
 LIMIT 500
"""


async def objections() -> list[dict]:
    rows = [dict(r) for r in await db.fetch(_OBJECTIONS)]
    for row in rows:
        row["scheme_name"] = pick(row.pop("name_zh"), row.pop("name_en"))
        row["application_status_label"] = status_label(row["application_status"], row["notice_until"])
    return rows


async def resolve(principal: Principal, objection_id: int, decision: str, note: str) -> str:
    """Uphold (reject the application) or dismiss (resume the notice); returns the application status."""
    return await objecting.settle(NOTICE, principal, objection_id, decision, note)
