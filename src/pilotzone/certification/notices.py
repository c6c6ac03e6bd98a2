"""Public notice (公示), objections and certificates.

The bureau administrator's final approval puts an application under public notice for the scheme's
``notice_days`` (``notice_until``). Anyone may object during the window (at most three objections per
hour and IP address for one application): the application is then ``objected`` and waits for the
bureau administrator, who upholds the objection (the application is rejected) or dismisses it (the
notice resumes with the days that were left). Applications whose window ended are certified by
:func:`issue_due_certificates`: a number per (tenant, scheme, year) from ``certificate_counter``
(its row lock serialises concurrent issuers, so numbers have no gaps and no duplicates), a PDF with a
QR code pointing to ``/verify/<number>``, and a ``Certificate`` row that may later be revoked.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from pilotzone import db
from pilotzone.auth import audit
from pilotzone.auth.principal import Principal
from pilotzone.certification.applications import spec_of, status_label, visible
from pilotzone.certification.certificate_pdf import certificate_pdf
from pilotzone.certification.schemes import certificate_number
from pilotzone.certification.tables import Application, Certificate, Objection, Scheme
from pilotzone.documents.services import store_bytes
from pilotzone.web.i18n import gettext as _
from pilotzone.web.i18n import pick

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


_NOTICES = """
SELECT a.id, a.subject_label, a.moved_at, a.notice_until, s.name_zh, s.name_en
  FROM application a JOIN scheme s ON s.id = a.scheme
 WHERE a.status = 'notice'
 ORDER BY a.notice_until, a.id
 LIMIT 500
"""


async def public_notices() -> list[dict]:
    """Applications under notice: scheme name, subject and period only (nothing private)."""
    rows = [dict(r) for r in await db.fetch(_NOTICES)]
    for row in rows:
        row["scheme_name"] = pick(row.pop("name_zh"), row.pop("name_en"))
    return rows


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


async def raise_objection(application_id: int, form: dict[str, str], ip: str) -> Objection:
    """Record an objection and pause the notice. Raises NoticeError (404, 429, or 400 with a field)."""
    application = await Application.objects().where(Application.id == application_id).first()
    if application is None or application.status not in ("notice", "objected"):  # others may join in
        raise NoticeError("status", _("This application is not under public notice."), 404)
    recent = await Objection.count().where(
        (Objection.application == application_id)
        & (Objection.ip == ip)
        & (Objection.created_at > now() - timedelta(hours=1))
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
    objection = Objection(
        application=application_id,
        name=form.get("name", "").strip(),
        contact=form.get("contact", "").strip(),
        reason=form.get("reason", "").strip(),
        ip=ip[:64],
    )
    await objection.save()
    await Application.update(
        {Application.status: "objected", Application.moved_at: now(), Application.updated_at: now()}
    ).where((Application.id == application_id) & (Application.status == "notice"))
    await audit.record(
        "objection.raised",
        "application",
        application_id,
        before={"status": application.status},
        after={"status": "objected", "objection": objection.id},
        actor_id=None,
        actor="public",
    )
    return objection


# -- the bureau's side


_OBJECTIONS = """
SELECT o.id, o.application, o.name, o.contact, o.reason, o.created_at, o.status, o.resolution_note,
       a.subject_label, a.status AS application_status, s.name_zh, s.name_en
  FROM objection o JOIN application a ON a.id = o.application JOIN scheme s ON s.id = a.scheme
 ORDER BY (o.status = 'open') DESC, o.id DESC
 LIMIT 500
"""


async def objections() -> list[dict]:
    rows = [dict(r) for r in await db.fetch(_OBJECTIONS)]
    for row in rows:
        row["scheme_name"] = pick(row.pop("name_zh"), row.pop("name_en"))
        row["application_status_label"] = status_label(row["application_status"])
    return rows


async def resolve(principal: Principal, objection_id: int, decision: str, note: str) -> str:
    """Uphold (reject the application) or dismiss (resume the notice); returns the application status."""
    objection = await Objection.objects().where(Objection.id == objection_id).first()
    if objection is None:
        raise NoticeError("status", _("Objection not found."), 404)
    if decision not in ("upheld", "dismissed"):
        raise NoticeError("decision", _("Choose to uphold or dismiss the objection."))
    if objection.status != "open":
        raise NoticeError("status", _("This objection was already resolved."), 409)
    note = note.strip()
    if decision == "upheld" and not note:
        raise NoticeError("note", _("Give the reasons for upholding the objection."))
    await Objection.update(
        {
            Objection.status: decision,
            Objection.resolved_by: principal.user_id,
            Objection.resolved_at: now(),
            Objection.resolution_note: note,
        }
    ).where((Objection.id == objection_id) & (Objection.status == "open"))
    application = await Application.objects().where(Application.id == objection.application).first()
    assert application is not None
    status = application.status
    if application.status == "objected":
        if decision == "upheld":
            status = "rejected"
            await Application.update(
                {Application.status: status, Application.moved_at: now(), Application.updated_at: now()}
            ).where(Application.id == application.id)
        elif not await Objection.exists().where(
            (Objection.application == application.id) & (Objection.status == "open")
        ):
            # the window resumes with the days that were left when the objection paused it
            paused = now() - (application.moved_at or now())
            until = (application.notice_until or now()) + paused
            status = "notice"
            await Application.update(
                {
                    Application.status: status,
                    Application.notice_until: until,
                    Application.moved_at: now(),
                    Application.updated_at: now(),
                }
            ).where(Application.id == application.id)
    await audit.record(
        f"objection.{decision}",
        "application",
        application.id,
        before={"status": application.status, "objection": objection_id},
        after={"status": status, "note": note},
    )
    return status


# -- certificates


_NEXT = """
INSERT INTO certificate_counter (tenant_id, scheme_key, year, last)
VALUES (NULLIF(current_setting('app.tenant_id', true), '')::int, $1, $2, 1)
ON CONFLICT (tenant_id, scheme_key, year) DO UPDATE SET last = certificate_counter.last + 1
RETURNING last
"""


async def next_number(scheme_key: str, year: int) -> int:
    """The next sequence number of a scheme and year in the current tenant (locks the counter row
    until the transaction ends, so a rolled-back issue leaves no gap)."""
    return (await db.fetch(_NEXT, scheme_key, year))[0][0]


_DUE = """
SELECT a.id FROM application a
 WHERE a.status = 'notice' AND a.notice_until <= now()
   AND NOT EXISTS (SELECT 1 FROM objection o WHERE o.application = a.id AND o.status = 'open')
 ORDER BY a.notice_until, a.id
 LIMIT 200
"""


async def issue_due_certificates(base_url: str) -> list[Certificate]:
    """Certify every application whose notice ended without open objections (current tenant)."""
    issued: list[Certificate] = []
    for row in await db.fetch(_DUE):
        moved = await db.fetch(
            "UPDATE application SET status = 'certified', moved_at = now(), updated_at = now() "
            "WHERE id = $1 AND status = 'notice' RETURNING id",
            row["id"],
        )
        if moved:
            issued.append(await _issue(row["id"], base_url))
    return issued


async def _issue(application_id: int, base_url: str) -> Certificate:
    application = await Application.objects().where(Application.id == application_id).first()
    assert application is not None
    spec = spec_of(application.spec)
    scheme = await Scheme.objects().where(Scheme.id == application.scheme).first()
    assert scheme is not None
    issued_at = now()
    seq = await next_number(scheme.key, issued_at.year)
    number = certificate_number(
        spec.get("certificate_format") or f"{scheme.key.upper()}-{{year}}-{{seq:04}}", issued_at.year, seq
    )
    months = int(spec.get("validity_months", 36))
    valid_until = _add_months(issued_at, months)
    certificate = Certificate(
        application=application.id,
        scheme_key=scheme.key,
        number=number,
        subject_label=application.subject_label,
        issued_at=issued_at,
        valid_until=valid_until,
    )
    await certificate.save()
    pdf = certificate_pdf(
        number=number,
        scheme_zh=scheme.name_zh,
        scheme_en=scheme.name_en,
        subject=application.subject_label,
        issued_at=issued_at,
        valid_until=valid_until,
        verify_url=f"{base_url.rstrip('/')}/verify/{number}",
    )
    document = await store_bytes("certificate", certificate.id, f"{number}.pdf", pdf)
    await Certificate.update({Certificate.pdf_document: document.id}).where(Certificate.id == certificate.id)
    certificate.pdf_document = document.id
    await audit.record(
        "certificate.issued",
        "certificate",
        certificate.id,
        after={"number": number, "application": application.id, "valid_until": valid_until.isoformat()},
    )
    return certificate


def _add_months(moment: datetime, months: int) -> datetime:
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise ValueError(moment)


async def revoke(certificate_id: int, reason: str) -> None:
    certificate = await Certificate.objects().where(Certificate.id == certificate_id).first()
    if certificate is None:
        raise NoticeError("status", _("Certificate not found."), 404)
    reason = reason.strip()
    if not reason:
        raise NoticeError("reason", _("Give the reason for the revocation."))
    if certificate.status == "revoked":
        raise NoticeError("status", _("This certificate was already revoked."), 409)
    await Certificate.update({Certificate.status: "revoked", Certificate.revoked_reason: reason}).where(
        Certificate.id == certificate_id
    )
    await audit.record(
        "certificate.revoked",
        "certificate",
        certificate_id,
        before={"status": certificate.status, "number": certificate.number},
        after={"status": "revoked", "reason": reason},
    )


async def certificates(principal: Principal) -> list[dict]:
    """Certificates of the applications the caller may see."""
    rows = await Certificate.objects().order_by(Certificate.id, ascending=False).limit(500)
    ids = list({c.application for c in rows})
    applications = (
        {a.id: a for a in await Application.objects().where(Application.id.is_in(ids))} if ids else {}
    )
    return [
        {"certificate": c, "expired": c.valid_until < now()}
        for c in rows
        if c.application in applications
        and (principal.province or visible(principal, applications[c.application]))
    ]


async def visible_certificate(principal: Principal, certificate_id: int) -> bool:
    c = await Certificate.objects().where(Certificate.id == certificate_id).first()
    if c is None:
        return False
    application = await Application.objects().where(Application.id == c.application).first()
    return application is not None and (principal.province or visible(principal, application))


async def verify(number: str) -> dict | None:
    rows = await db.fetch("SELECT * FROM pz_verify_certificate($1)", number)
    if not rows:
        return None
    row = dict(rows[0])
    row["scheme_name"] = pick(row["scheme_name_zh"], row["scheme_name_en"])
    row["tenant_name"] = pick(row["tenant_name_zh"], row["tenant_name_en"])
    row["state"] = (
        "revoked" if row["status"] == "revoked" else ("expired" if row["valid_until"] < now() else "valid")
    )
    return row
