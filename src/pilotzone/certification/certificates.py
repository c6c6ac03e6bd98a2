"""Certificates (证书): issued when the public notice ended without open objections, numbered per
(tenant, scheme, year) from ``certificate_counter`` (its row lock serialises concurrent issuers, so
numbers have no gaps and no duplicates), a PDF with a QR code pointing to ``/verify/<number>``;
later revoked, expired (see ``expiry``) or renewed (see ``renewals``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pilotzone import db
from pilotzone.auth import audit
from pilotzone.auth.principal import Principal
from pilotzone.certification import renewals
from pilotzone.certification.applications import KIND, Case, cases, get_application, spec_of
from pilotzone.certification.certificate_pdf import certificate_pdf
from pilotzone.certification.notices import NoticeError, now, running_sql
from pilotzone.certification.schemes import certificate_number
from pilotzone.certification.tables import Certificate, Scheme
from pilotzone.documents.services import store_bytes
from pilotzone.notify.events import Event
from pilotzone.tenancy.context import current_tenant_id
from pilotzone.tenancy.services import tenant_record
from pilotzone.web.formats import local_time
from pilotzone.web.i18n import gettext as _
from pilotzone.web.i18n import pick
from pilotzone.workflow import told
from pilotzone.workflow.scope import visible
from pilotzone.workflow.states import Action, Actor, CertificationState, Guard, ObjectionState
from pilotzone.workflow.transitions import Refused, move_row

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


BATCH = 200  # applications certified per call (one job step)
_DUE_WHERE = f"""
  FROM notice n JOIN submission s ON s.id = n.submission AND s.tenant_id = n.tenant_id
 WHERE n.kind = '{KIND.value}' AND s.status = '{CertificationState.NOTICE}' AND NOT {running_sql("s", "n", "$1")}
   AND NOT EXISTS (SELECT 1 FROM objection o WHERE o.notice = n.id AND o.tenant_id = n.tenant_id
                   AND o.status = '{ObjectionState.OPEN}')"""  # noqa: S608 - fixed SQL text
_DUE = f"SELECT s.id {_DUE_WHERE} ORDER BY n.notice_until, s.id LIMIT {BATCH}"  # noqa: S608
DUE_COUNT = f"SELECT count(*) {_DUE_WHERE}"  # noqa: S608 - fixed SQL text
# one issuer per tenant at a time: issuers of different schemes would otherwise each hold a counter
# and wait for the other's (or for the audit chain); the claim skips applications locked by someone
# else (an objection being raised), who may hold the row while waiting for the audit chain
_ISSUER = "SELECT pg_advisory_xact_lock(hashtext('pilotzone.issue'), NULLIF(current_setting('app.tenant_id', true), '')::int)"
SYSTEM = {Actor.SYSTEM}
DUE = (Guard.NOTICE_ENDED, Guard.NO_OPEN_OBJECTION)  # what _DUE_WHERE selects


async def issue_due_certificates(base_url: str) -> list[Certificate]:
    """Certify every application whose notice ended without open objections (current tenant)."""
    await db.fetch(_ISSUER)
    issued: list[Certificate] = []
    for row in await db.fetch(_DUE, now()):
        case = await get_application(row["id"])
        if case is None or not await renewals.claimable(case):
            continue  # the certificate it renews is busy: the next issue takes it
        try:  # a row locked by someone else (an objection being raised) waits for the next issue
            await move_row(KIND, case.sub, Action.CERTIFY, SYSTEM, DUE, skip_locked=True)
        except Refused:
            continue
        issued.append(await _issue(case, base_url))
    return issued


async def _issue(case: Case, base_url: str) -> Certificate:
    spec = spec_of(case)
    scheme = await Scheme.objects().where(Scheme.id == case.app.scheme).first()
    assert scheme is not None
    issued_at = now()
    seq = await next_number(scheme.key, issued_at.year)
    number = certificate_number(
        spec.certificate_format or f"{scheme.key.upper()}-{{year}}-{{seq:04}}", issued_at.year, seq
    )
    bureau = await tenant_record(current_tenant_id())  # the issuing authority: the city's bureau
    assert bureau is not None
    old = await renewals.claim_renewed(case)
    valid_from = renewals.renewal_start(old, issued_at)
    valid_until = _add_months(valid_from, spec.validity_months)
    certificate = Certificate(
        application=case.id,
        scheme_key=scheme.key,
        number=number,
        subject_label=case.sub.subject_label,
        issued_at=issued_at,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    await certificate.save()
    await told.tell_about(Event.CERTIFICATE_ISSUED, case.id, f"certificate_issued:{certificate.id}", number=number)
    await renewals.link_renewed(old, certificate)
    pdf = certificate_pdf(
        number=number,
        scheme_zh=scheme.name_zh,
        scheme_en=scheme.name_en,
        subject=case.sub.subject_label,
        issued_at=issued_at,
        valid_until=valid_until,
        valid_from=valid_from,
        verify_url=f"{base_url.rstrip('/')}/verify/{number}",
        issuer_zh=bureau.bureau_zh,
        issuer_en=bureau.bureau_en,
    )
    document = await store_bytes("certificate", certificate.id, f"{number}.pdf", pdf)
    await Certificate.update({Certificate.pdf_document: document.id}).where(Certificate.id == certificate.id)
    certificate.pdf_document = document.id
    await audit.record(
        "certificate.issued",
        "certificate",
        certificate.id,
        after={
            "number": number,
            "application": case.id,
            "valid_from": valid_from.isoformat(),
            "valid_until": valid_until.isoformat(),
            "renews": old["number"] if old else None,
        },
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
    await told.tell_about(
        Event.CERTIFICATE_REVOKED, certificate.application, f"certificate_revoked:{certificate_id}",
        number=certificate.number, title=certificate.subject_label, note=reason,
    )
    await audit.record(
        "certificate.revoked",
        "certificate",
        certificate_id,
        before={"status": certificate.status, "number": certificate.number},
        after={"status": "revoked", "reason": reason},
    )


def state_of(status: str, valid_until: datetime, moment: datetime | None = None) -> str:
    """What a certificate is now: revoked | renewed | expired | valid (an unswept end counts as expired)."""
    if status in ("revoked", "renewed", "expired"):
        return status
    return "expired" if valid_until <= (moment or now()) else "valid"


async def certificates(principal: Principal, expiring_only: bool = False) -> list[dict]:
    """Certificates of the applications the caller may see, with their state, days left, whether they
    expire within the scheme's reminder days, whether the caller may renew, a renewal under way."""
    rows = await Certificate.objects().order_by(Certificate.id, ascending=False).limit(500)
    applications = await cases(list({c.application for c in rows}))
    pending = await renewals.open_renewals([c.id for c in rows])
    numbers = {c.id: c.number for c in rows}
    moment = now()
    out = []
    for c in rows:
        case = applications.get(c.application)
        if case is None or not (principal.province or visible(principal, case.sub)):
            continue
        state = state_of(c.status, c.valid_until, moment)
        days = spec_of(case).renewal_reminder_days
        days_left = max(0, (c.valid_until - moment).days)
        expiring = state == "valid" and c.valid_until <= moment + timedelta(days=days)
        if expiring_only and not expiring:
            continue
        can_renew = renewals.may_renew(principal, c, case, moment) and state in ("valid", "expired")
        opens = renewals.renewal_opens(c.valid_until, spec_of(case))
        later = state == "valid" and not can_renew and renewals.may_renew(principal, c, case, opens)
        out.append(
            {
                "certificate": c,
                "state": state,
                "expired": state == "expired",
                "days_left": days_left,
                "expiring": expiring,
                "can_renew": can_renew,
                "renewal_opens": local_time(opens, "%Y-%m-%d") if later else None,
                "renewal": pending.get(c.id),
                "renewed_number": numbers.get(c.renewed_by) if c.renewed_by else None,
            }
        )
    return out


async def visible_certificate(principal: Principal, certificate_id: int) -> bool:
    c = await Certificate.objects().where(Certificate.id == certificate_id).first()
    if c is None:
        return False
    case = await get_application(c.application)
    return case is not None and (principal.province or visible(principal, case.sub))


async def verify(number: str) -> dict | None:
    rows = await db.fetch("SELECT * FROM pz_verify_certificate($1)", number)
    if not rows:
        return None
    row = dict(rows[0])
    row["scheme_name"] = pick(row["scheme_name_zh"], row["scheme_name_en"])
    row["tenant_name"] = pick(row["tenant_name_zh"], row["tenant_name_en"])
    row["issuer_name"] = pick(row["issuer_zh"], row["issuer_en"])  # the bureau, not the city
    row["state"] = state_of(row["status"], row["valid_until"])
    return row
