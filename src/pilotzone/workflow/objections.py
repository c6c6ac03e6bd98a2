"""Objections to a public notice (公示), the same for every kind under notice (certification
applications, funding awards): the form check, the rate limit per IP address and target, the row, the
pause of the notice, and the bureau administrator's resolution (uphold, or dismiss: the notice resumes
with the days that were left once no objection is open). Every state change goes through the
transition table (:func:`pilotzone.workflow.transitions.move`); what follows for the target (a
rejection, a revoked award) and the audit records are the kind's.

An objection table has the columns ``name``, ``contact``, ``reason``, ``ip``, ``created_at``,
``status`` (:class:`ObjectionState`), ``resolved_by``, ``resolved_at``, ``resolution_note`` and a
foreign key to what is under notice; the target's table has ``status``, ``notice_until`` and
``moved_at`` (since when an objection paused it).
"""

from __future__ import annotations

import re
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from piccolo.columns import Column

from pilotzone.auth import audit
from pilotzone.auth.principal import Principal
from pilotzone.web.i18n import gettext as _
from pilotzone.workflow.forms import ObjectionForm
from pilotzone.workflow.states import Action, Actor, Guard, Kind, ObjectionState
from pilotzone.workflow.tables import ObjectionColumns
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


async def record_objection(
    table: type[ObjectionColumns], target: Column, target_id: int, form: ObjectionForm, ip: str
) -> Any:
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
    points_at: dict[str, Any] = {target._meta.name: target_id}
    objection = table(
        **points_at,
        name=form.name.strip(),
        contact=form.contact.strip(),
        reason=form.reason.strip(),
        ip=ip[:64],
    )
    await objection.save()
    return objection


async def close_objection(
    table: type[ObjectionColumns], principal: Principal, objection_id: int, decision: str, note: str
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


@dataclass(frozen=True)
class Notice:
    """One kind's public notice: the kind (its transition rows), the objection table and its foreign
    key to the ``target`` table under notice, and how the audit log names them (``objection`` /
    ``application``: actions ``objection.raised``, ``objection.upheld``, ``objection.dismissed``)."""

    kind: Kind
    table: type[ObjectionColumns]
    fk: Column
    target: type[Any]  # the table under notice (a submission, an award): every one has status, notice_until, moved_at
    audit_prefix: str
    object_type: str


async def raise_objection(
    notice: Notice, target_id: int, state: str, shown: str, form: ObjectionForm, ip: str
) -> Any:
    """Record an objection to the item ``target_id`` (in ``state``, shown to the audit as ``shown``):
    the first pauses the notice (``moved_at``: since when), later ones join the pause. Raises
    NoticeError (429, or 400 with a field)."""
    objection = await record_objection(notice.table, notice.fk, target_id, form, ip)
    paused = next(r.target for r in allowed(notice.kind, state, Action.OBJECT))
    with suppress(Refused):  # paused by a concurrent objection meanwhile: this one joins it
        await move(
            notice.kind,
            notice.target,
            target_id,
            state,
            Action.OBJECT,
            {Actor.PUBLIC},
            {Guard.NOTICE_RUNNING},
        )
    await audit.record(
        f"{notice.audit_prefix}.raised",
        notice.object_type,
        target_id,
        before={"status": shown},
        after={"status": paused, "objection": objection.id},
        actor_id=None,
        actor="public",
    )
    return objection


async def settle(notice: Notice, principal: Principal, objection_id: int, decision: str, note: str) -> str:
    """Resolve an open objection and move its target: upheld → the kind's end (rejected, revoked),
    dismissed → the notice resumes, with the days that were left, once no other objection is open.
    Audited; returns the target's state. Raises NoticeError."""
    table, fk, target = notice.table, notice.fk, notice.target
    objection, note = await close_objection(table, principal, objection_id, decision, note)
    row = await target.objects().where(target.id == getattr(objection, fk._meta.name)).first()
    assert row is not None
    status = row.status
    action = Action.UPHOLD if decision == ObjectionState.UPHELD else Action.DISMISS
    if may(notice.kind, row.status, action, {Actor.BUREAU_ADMIN}):  # else not paused (any more)
        still_open = await table.exists().where((fk == row.id) & (table.status == ObjectionState.OPEN))
        changes: dict[Column, Any] = {}
        if action is Action.DISMISS and not still_open:
            changes[target.notice_until] = resumed_until(row.moved_at, row.notice_until)
        guards = {Guard.OPEN_OBJECTION_LEFT if still_open else Guard.NO_OPEN_OBJECTION}
        who = actors_of(principal, covers=True)
        status = (
            await move(notice.kind, target, row.id, row.status, action, who, guards, changes=changes)
        ).target
    await audit.record(
        f"{notice.audit_prefix}.{decision}",
        notice.object_type,
        row.id,
        before={"status": row.status, "objection": objection_id},
        after={"status": status, "note": note},
    )
    return status
