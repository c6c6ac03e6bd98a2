"""Renewal (续期): the holder starts a new application from a valid or expired certificate, for the same
scheme and subject with the old values filled in; it goes through the normal review and notice.

Renewal opens ``renewal_reminder_days`` (the scheme's renewal window, default 60) before the end
and stays open after it; a certificate just issued offers none.

When it is certified, the old certificate becomes ``renewed`` (``renewed_by`` points to the new one)
and the new one is valid from the old one's end, or from the issue date if the old one had ended.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pilotzone import db
from pilotzone.auth import audit
from pilotzone.auth.principal import Principal
from pilotzone.certification.applications import (
    ApplicationError,
    Case,
    create_application,
    get_application,
    spec_of,
)
from pilotzone.certification.notices import now
from pilotzone.certification.schemes import SchemeSpec
from pilotzone.certification.tables import Application, Certificate, Scheme
from pilotzone.web.formats import local_time
from pilotzone.web.i18n import gettext as _
from pilotzone.workflow import submissions
from pilotzone.workflow.scope import visible

RENEWABLE = ("valid", "expired")
CLOSED = ("withdrawn", "rejected", "certified")


class RenewalError(Exception):
    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.message, self.status = message, status


async def open_renewals(certificate_ids: list[int]) -> dict[int, int]:
    """certificate id → the id of its renewal application still under way."""
    if not certificate_ids:
        return {}
    rows = await db.fetch(
        "SELECT a.renews, max(a.id) AS id FROM application a "
        "JOIN submission s ON s.id = a.id AND s.tenant_id = a.tenant_id "
        "WHERE a.renews = ANY($1::int[]) AND s.status <> ALL($2::text[]) GROUP BY a.renews",
        certificate_ids,
        list(CLOSED),
    )
    return {r["renews"]: r["id"] for r in rows}


def renewal_opens(valid_until: datetime, spec: SchemeSpec) -> datetime:
    """When the renewal window of a certificate opens: the scheme's reminder days before its end."""
    return valid_until - timedelta(days=spec.renewal_reminder_days)


def may_renew(
    principal: Principal, certificate: Certificate, case: Case, moment: datetime | None = None
) -> bool:
    """A holder may renew an expired certificate, or a valid one within its renewal window."""
    return (
        certificate.status in RENEWABLE
        and (moment or now()) >= renewal_opens(certificate.valid_until, spec_of(case))
        and not principal.province
        and principal.role in spec_of(case).applicants
        and visible(principal, case.sub)
    )


async def start_renewal(principal: Principal, certificate_id: int) -> Case:
    """The renewal draft for a certificate (the one already under way, if any). Raises RenewalError."""
    rows = await db.fetch("SELECT id FROM certificate WHERE id = $1 FOR UPDATE", certificate_id)
    certificate = (
        await Certificate.objects().where(Certificate.id == certificate_id).first() if rows else None
    )
    old = await get_application(certificate.application) if certificate else None
    if certificate is None or old is None or not visible(principal, old.sub):
        raise RenewalError(_("Certificate not found."), 404)
    if not may_renew(principal, certificate, old):
        if certificate.status in RENEWABLE:
            opens = renewal_opens(certificate.valid_until, spec_of(old))
            raise RenewalError(_("Renewal opens on %(date)s.", date=local_time(opens, "%Y-%m-%d")))
        raise RenewalError(_("This certificate cannot be renewed."))
    pending = (await open_renewals([certificate.id])).get(certificate.id)
    if pending is not None:
        found = await get_application(pending)
        assert found is not None
        return found
    scheme = await Scheme.objects().where(Scheme.id == old.app.scheme).first()
    assert scheme is not None
    try:
        case = await create_application(principal, scheme.key, str(old.sub.subject_id))
    except ApplicationError as exc:
        raise RenewalError(exc.message) from None
    fields = {f.key for f in spec_of(case).fields}
    values = {k: v for k, v in old.declared.items() if k in fields}
    await Application.update({Application.renews: certificate.id}).where(Application.id == case.id)
    case.app.renews = certificate.id
    await submissions.save_values(principal, case.sub, values)
    await submissions.write_changes(principal, case.id, [("renews", "", certificate.number)])
    await audit.record(
        "application.created",
        "application",
        case.id,
        after={
            "scheme": scheme.key,
            "scheme_version": case.app.scheme_version,
            "subject_kind": case.sub.subject_kind,
            "subject_id": case.sub.subject_id,
            "renews": certificate.number,
        },
    )
    return case


_CLAIM = """
UPDATE certificate c SET status = 'renewed'
  FROM (SELECT id, status FROM certificate WHERE id = $1 FOR NO KEY UPDATE SKIP LOCKED) old
 WHERE c.id = old.id AND old.status = ANY($2::text[])
RETURNING c.id, c.number, c.valid_until, old.status AS before
"""


async def claimable(case: Case) -> bool:
    """False while the certificate it renews is locked by another transaction (the caller tries later:
    waiting here, after this transaction wrote audit rows, could deadlock against that one)."""
    renews = case.app.renews
    if renews is None:
        return True
    rows = await db.fetch("SELECT id FROM certificate WHERE id = $1 FOR NO KEY UPDATE SKIP LOCKED", renews)
    exists = await db.fetch("SELECT 1 FROM certificate WHERE id = $1", renews)
    return bool(rows) or not exists


async def claim_renewed(case: Case) -> dict | None:
    """Mark the certificate an application renews as ``renewed`` (when still valid or expired)."""
    if case.app.renews is None:
        return None
    rows = await db.fetch(_CLAIM, case.app.renews, list(RENEWABLE))
    return dict(rows[0]) if rows else None


def renewal_start(old: dict | None, issued_at: datetime) -> datetime:
    return old["valid_until"] if old and old["valid_until"] > issued_at else issued_at


async def link_renewed(old: dict | None, new: Certificate) -> None:
    if old is None:
        return
    await Certificate.update({Certificate.renewed_by: new.id}).where(Certificate.id == old["id"])
    await audit.record(
        "certificate.renewed",
        "certificate",
        old["id"],
        before={"status": old["before"], "number": old["number"]},
        after={"status": "renewed", "renewed_by": new.number, "new_valid_from": new.valid_from.isoformat()},
    )
