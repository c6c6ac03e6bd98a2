"""Objections to a public notice (公示), the same for every kind under notice (certification
applications, funding awards): the form check, the rate limit per IP address and target, the row, the
pause of the notice, and the bureau administrator's resolution (uphold, or dismiss: the notice resumes
with the days that were left once no objection is open). Every state change goes through the
transition table (:func:`pilotzone.workflow.transitions.move`); what follows for the target (a
rejection, a revoked award) and the audit records are the kind's.

Objections are rows of ``objection`` pointing at their ``notice`` (``workflow.tables``); the notice
names the submission, and what is under notice (the *holder* of the state the transitions move: the
submission itself, or funding's ledger entry of it) has ``status`` and ``moved_at`` (since when an
objection paused it).
"""

from __future__ import annotations

import re
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from piccolo.columns import Column

from pilotzone import db
from pilotzone.auth import audit
from pilotzone.auth.principal import Principal
from pilotzone.web.i18n import gettext as _
from pilotzone.web.worklist import Link, WorkEntry
from pilotzone.workflow import told
from pilotzone.workflow.forms import ObjectionForm
from pilotzone.workflow.states import Action, Actor, Guard, Kind, ObjectionState
from pilotzone.workflow.tables import Notice, Objection, Submission
from pilotzone.workflow.transitions import Refused, actors_of, allowed, may, move

RATE_LIMIT = 3  # objections per IP address, target and hour
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


def check_objection(form: ObjectionForm) -> dict[str, str]:
    errors: dict[str, str] = {}
    contact = form.contact.strip()
    reason = form.reason.strip()
    if len(form.name.strip()) > 100:
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


async def record_objection(notice_id: int, form: ObjectionForm, ip: str) -> Objection:
    """The one objection path of every public notice (certification, funding awards): the rate limit
    per IP address and notice, the form check, the row. Raises NoticeError (429, or 400)."""
    table = Objection
    recent = await table.count().where(
        (table.notice == notice_id) & (table.ip == ip) & (table.created_at > now() - timedelta(hours=1))
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
        notice=notice_id,
        name=form.name.strip(),
        contact=form.contact.strip(),
        reason=form.reason.strip(),
        ip=ip[:64],
    )
    await objection.save()
    await told.objection_filed(notice_id, objection.id)
    return objection


async def close_objection(
    kind: Kind, principal: Principal, objection_id: int, decision: str, note: str
) -> tuple[Objection, str]:
    """Resolve an open objection to a notice of ``kind`` (uphold or dismiss, with a note when
    upholding; another kind's objection is not found); returns (the objection as it was, the stripped
    note). What follows for what is under notice is the caller's."""
    table = Objection
    objection = (
        await table.objects()
        .where((table.id == objection_id) & (table.notice.kind == kind.value))
        .first()
    )
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
    await told.objection_resolved(objection.notice, objection_id, decision, note)
    return objection, note


def resumed_until(paused_since: datetime | None, notice_until: datetime | None) -> datetime:
    """The end of a notice that resumes with the days that were left when an objection paused it."""
    return (notice_until or now()) + (now() - (paused_since or now()))


@dataclass(frozen=True)
class Noticed:
    """One kind's public notice: the kind (its transition rows, and ``notice.kind``), the table that
    holds the state under notice (``Submission``, or an award) and its column naming the submission
    (``Submission.id``, ``LedgerEntry.application``), and how the audit log names them (``objection`` /
    ``application``: actions ``objection.raised``, ``objection.upheld``, ``objection.dismissed``)."""

    kind: Kind
    holder: type[Any]  # every holder has id, status and moved_at
    names: Column  # the holder's column that names the submission under notice
    audit_prefix: str
    object_type: str


async def open_notice(kind: Kind, submission: Submission, until: datetime) -> Notice:
    """Put what ``submission`` led to under public notice of ``kind`` until ``until``."""
    notice = Notice(kind=kind.value, submission=submission.id, subject_label=submission.subject_label, notice_until=until)
    await notice.save()
    await told.notice_started(kind, submission, until)
    return notice


async def notice_of(kind: Kind, submission_id: int) -> Notice | None:
    """The public notice of ``kind`` of a submission, if one was opened."""
    return (
        await Notice.objects()
        .where((Notice.kind == kind.value) & (Notice.submission == submission_id))
        .first()
    )


async def raise_objection(
    noticed: Noticed, notice: Notice, holder_id: int, state: str, shown: str, form: ObjectionForm, ip: str
) -> Objection:
    """Record an objection to ``notice``, whose holder ``holder_id`` is in ``state`` (shown to the
    audit as ``shown``): the first pauses the notice (``moved_at``: since when), later ones join the
    pause. Raises NoticeError (429, or 400 with a field)."""
    objection = await record_objection(notice.id, form, ip)
    paused = next(r.target for r in allowed(noticed.kind, state, Action.OBJECT))
    with suppress(Refused):  # paused by a concurrent objection meanwhile: this one joins it
        await move(
            noticed.kind,
            noticed.holder,
            holder_id,
            state,
            Action.OBJECT,
            {Actor.PUBLIC},
            {Guard.NOTICE_RUNNING},
        )
    await audit.record(
        f"{noticed.audit_prefix}.raised",
        noticed.object_type,
        holder_id,
        before={"status": shown},
        after={"status": paused, "objection": objection.id},
        actor_id=None,
        actor="public",
    )
    return objection


async def settle(noticed: Noticed, principal: Principal, objection_id: int, decision: str, note: str) -> str:
    """Resolve an open objection and move what is under notice: upheld → the kind's end (rejected,
    revoked), dismissed → the notice resumes, with the days that were left, once no other objection
    is open. Audited; returns the holder's state. Raises NoticeError (404 for an objection to
    another kind's notice)."""
    objection, note = await close_objection(noticed.kind, principal, objection_id, decision, note)
    notice = await Notice.objects().where(Notice.id == objection.notice).first()
    assert notice is not None
    holder = noticed.holder
    row = await holder.objects().where(noticed.names == notice.submission).first()
    assert row is not None
    status = row.status
    action = Action.UPHOLD if decision == ObjectionState.UPHELD else Action.DISMISS
    if may(noticed.kind, row.status, action, {Actor.BUREAU_ADMIN}):  # else not paused (any more)
        still_open = await Objection.exists().where(
            (Objection.notice == notice.id) & (Objection.status == ObjectionState.OPEN)
        )
        if action is Action.DISMISS and not still_open:
            resumed = resumed_until(row.moved_at, notice.notice_until)
            await Notice.update({Notice.notice_until: resumed}).where(Notice.id == notice.id)
        guards = {Guard.OPEN_OBJECTION_LEFT if still_open else Guard.NO_OPEN_OBJECTION}
        who = actors_of(principal, covers=True)
        status = (await move(noticed.kind, holder, row.id, row.status, action, who, guards)).target
    await audit.record(
        f"{noticed.audit_prefix}.{decision}",
        noticed.object_type,
        row.id,
        before={"status": row.status, "objection": objection_id},
        after={"status": status, "note": note},
    )
    return status


_OPEN = f"""
SELECT o.id, n.subject_label, o.created_at
  FROM objection o JOIN notice n ON n.id = o.notice AND n.tenant_id = o.tenant_id
 WHERE n.kind = $1 AND o.status = '{ObjectionState.OPEN.value}'
 ORDER BY o.created_at, o.id
 LIMIT 200
"""  # noqa: S608 - fixed SQL text


async def open_objections(kind: Kind, route: str) -> list[WorkEntry]:
    """The open objections to notices of ``kind``, oldest first, as workspace entries linking ``route``
    (the page where the bureau resolves them)."""
    return [
        WorkEntry(label=r["subject_label"], link=Link(route), since=r["created_at"])
        for r in await db.fetch(_OPEN, kind.value)
    ]
