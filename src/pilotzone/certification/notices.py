"""Public notice (公示) and objections.

The bureau administrator's final approval puts an application under public notice for the scheme's
``notice_days`` (``notice_until``). Anyone may object during the window (at most three objections per
hour and IP address for one application): the application is then ``objected`` and waits for the
bureau administrator, who upholds the objection (the application is rejected) or dismisses it (the
notice resumes with the days that were left). :func:`record_objection`, :func:`close_objection` and :func:`resumed_until` are shared with the award
notice of the funding engine (:mod:`pilotzone.funding.award_notice`). Applications whose window ended are certified by
:func:`pilotzone.certification.certificates.issue_due_certificates`. :func:`now` is the one clock of
the certification engine.
"""

from __future__ import annotations

import re
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import Any

from piccolo.columns import Column

from pilotzone import db
from pilotzone.auth import audit
from pilotzone.auth.principal import Principal
from pilotzone.certification.applications import KIND, spec_of, status_label
from pilotzone.certification.notice_list import PAGE_SIZE, NoticeQuery, keyset, page_links
from pilotzone.certification.tables import Application, Objection
from pilotzone.web.i18n import gettext as _
from pilotzone.web.i18n import pick
from pilotzone.workflow.states import Action, Actor, CertificationState, Guard, ObjectionState
from pilotzone.workflow.transitions import Refused, actors_of, may, move

RATE_LIMIT = 3  # objections per IP address, application and hour
MAX_REASON = 2000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 -]{5,19}$")


class NoticeError(Exception):
    """``field`` names the form field (or ``status``); ``message`` is translated; ``status`` is HTTP."""

    def __init__(self, field: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.field, self.message, self.status = field, message, status


def now() -> datetime:
    return datetime.now(UTC)


def notice_end(spec: dict) -> datetime:
    return now() + timedelta(days=int(spec_of(spec).get("notice_days", 7)))


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


def check_objection(form: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    contact = form.get("contact", "").strip()
    reason = form.get("reason", "").strip()
    if len(form.get("name", "").strip()) > 100:
        errors["name"] = _("Use at most %(n)s characters.", n=100)
    if not contact:
        errors["contact"] = _("Give a phone number or an email address so that we can reach you.")
    elif len(contact) > 200 or not (_EMAIL.match(contact) or _PHONE.match(contact)):
        errors["contact"] = _("Enter a valid phone number or email address.")
    if not reason:
        errors["reason"] = _("Describe your objection.")
    elif len(reason) > MAX_REASON:
        errors["reason"] = _("Use at most %(n)s characters.", n=MAX_REASON)
    return errors


async def record_objection(table: type, target: Column, target_id: int, form: dict[str, str], ip: str) -> Any:
    """The one objection path of every public notice (certification, funding awards): the rate limit
    per IP address and target, the form check, the row. ``table`` has the columns of :class:`Objection`
    and ``target`` is its foreign key to what is under notice. Raises NoticeError (429, or 400)."""
    recent = await table.count().where(
        (target == target_id) & (table.ip == ip) & (table.created_at > now() - timedelta(hours=1))
    )
    if recent >= RATE_LIMIT:
        raise NoticeError(
            "status",
            _(
                "Too many objections from your address: at most %(n)s per hour. Try again later.",
                n=RATE_LIMIT,
            ),
            429,
        )
    errors = check_objection(form)
    if errors:
        field = next(iter(errors))
        raise NoticeError(field, errors[field])
    objection = table(
        **{target._meta.name: target_id},
        name=form.get("name", "").strip(),
        contact=form.get("contact", "").strip(),
        reason=form.get("reason", "").strip(),
        ip=ip[:64],
    )
    await objection.save()
    return objection


async def raise_objection(application_id: int, form: dict[str, str], ip: str) -> Objection:
    """Record an objection and pause the notice. Raises NoticeError (404, 429, or 400 with a field)."""
    notice = await public_notice(application_id)
    if notice is None:  # under notice, or paused by an objection (others may join in)
        raise NoticeError("status", _("This application is not under public notice."), 404)
    status = notice["status"]
    objection = await record_objection(Objection, Objection.application, application_id, form, ip)
    # the first objection pauses the notice (moved_at: since when); later ones join the pause
    with suppress(Refused):  # paused by a concurrent objection meanwhile: this one joins it
        await move(
            KIND, Application, application_id, status, Action.OBJECT, {Actor.PUBLIC}, {Guard.NOTICE_RUNNING}
        )
    await audit.record(
        "objection.raised",
        "application",
        application_id,
        before={"status": status},
        after={"status": CertificationState.OBJECTED, "objection": objection.id},
        actor_id=None,
        actor="public",
    )
    return objection


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


async def close_objection(
    table: type, principal: Principal, objection_id: int, decision: str, note: str
) -> tuple[Any, str]:
    """Resolve an open objection of ``table`` (uphold or dismiss, with a note when upholding); returns
    (the objection as it was, the stripped note). What follows for the target is the caller's."""
    objection = await table.objects().where(table.id == objection_id).first()
    if objection is None:
        raise NoticeError("status", _("Objection not found."), 404)
    if decision not in (ObjectionState.UPHELD, ObjectionState.DISMISSED):
        raise NoticeError("decision", _("Choose to uphold or dismiss the objection."))
    if objection.status != ObjectionState.OPEN:
        raise NoticeError("status", _("This objection was already resolved."), 409)
    note = note.strip()
    if decision == "upheld" and not note:
        raise NoticeError("note", _("Give the reasons for upholding the objection."))
    await table.update(
        {
            table.status: decision,
            table.resolved_by: principal.user_id,
            table.resolved_at: now(),
            table.resolution_note: note,
        }
    ).where((table.id == objection_id) & (table.status == ObjectionState.OPEN))
    return objection, note


def resumed_until(paused_since: datetime | None, notice_until: datetime | None) -> datetime:
    """The end of a notice that resumes with the days that were left when an objection paused it."""
    return (notice_until or now()) + (now() - (paused_since or now()))


async def resolve(principal: Principal, objection_id: int, decision: str, note: str) -> str:
    """Uphold (reject the application) or dismiss (resume the notice); returns the application status."""
    objection, note = await close_objection(Objection, principal, objection_id, decision, note)
    application = await Application.objects().where(Application.id == objection.application).first()
    assert application is not None
    status = application.status
    action = Action.UPHOLD if decision == ObjectionState.UPHELD else Action.DISMISS
    if may(KIND, application.status, action, {Actor.BUREAU_ADMIN}):
        still_open = await Objection.exists().where(
            (Objection.application == application.id) & (Objection.status == ObjectionState.OPEN)
        )
        changes = {}
        if action is Action.DISMISS and not still_open:  # the notice resumes with the days left
            changes[Application.notice_until] = resumed_until(application.moved_at, application.notice_until)
        moved = await move(
            KIND,
            Application,
            application.id,
            application.status,
            action,
            actors_of(principal, covers=True),
            {Guard.OPEN_OBJECTION_LEFT if still_open else Guard.NO_OPEN_OBJECTION},
            changes=changes,
        )
        status = moved.target
    await audit.record(
        f"objection.{decision}",
        "application",
        application.id,
        before={"status": application.status, "objection": objection_id},
        after={"status": status, "note": note},
    )
    return status
