"""What certification knows about one enterprise or park, for its file (一企一档, composed by
``pilotzone.dossier``): its applications and their states, its certificates, the objections raised
against its public notices. An enterprise's rows are those it applied for (itself, its warehouses,
its talents: ``applicant_enterprise``); a park's are those the park applied for itself."""

from __future__ import annotations

from datetime import datetime

import msgspec

from pilotzone import db
from pilotzone.certification.applications import KIND, status_label
from pilotzone.certification.certificate_list import CertificateState
from pilotzone.certification.certificates import state_of
from pilotzone.web.i18n import pick
from pilotzone.web.labels import label
from pilotzone.workflow.dossier import applicant_sql


class DossierApplication(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    scheme: str
    subject_kind: str
    subject_label: str
    status: str
    status_label: str
    submitted_at: datetime | None
    moved_at: datetime | None


class DossierCertificate(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    application: int
    number: str
    scheme: str
    state: str
    state_label: str
    valid_from: datetime
    valid_until: datetime




_APPLICATIONS = """
SELECT s.id, s.subject_kind, s.subject_label, s.status, s.submitted_at, s.moved_at, sc.name_zh, sc.name_en,
       (SELECT n.notice_until FROM notice n WHERE n.kind = $2 AND n.submission = s.id
           AND n.tenant_id = s.tenant_id) AS notice_until
  FROM submission s
  JOIN application a ON a.id = s.id AND a.tenant_id = s.tenant_id
  JOIN scheme sc ON sc.id = a.scheme AND sc.tenant_id = a.tenant_id
 WHERE s.kind = $2 AND {applicant}
 ORDER BY s.id DESC LIMIT 500"""


async def applications(kind: str, subject_id: int) -> list[DossierApplication]:
    """The subject's certification applications, newest first, each with its state as it stands."""
    rows = await db.fetch(_APPLICATIONS.format(applicant=applicant_sql("s", kind)), subject_id, KIND.value)
    return [
        DossierApplication(
            id=r["id"],
            scheme=pick(r["name_zh"], r["name_en"]),
            subject_kind=r["subject_kind"],
            subject_label=r["subject_label"],
            status=r["status"],
            status_label=status_label(r["status"], r["notice_until"]),
            submitted_at=r["submitted_at"],
            moved_at=r["moved_at"],
        )
        for r in rows
    ]


_CERTIFICATES = """
SELECT c.id, c.application, c.number, c.status, c.valid_from, c.valid_until, sc.name_zh, sc.name_en
  FROM certificate c
  JOIN submission s ON s.id = c.application AND s.tenant_id = c.tenant_id
  JOIN application a ON a.id = s.id AND a.tenant_id = s.tenant_id
  JOIN scheme sc ON sc.id = a.scheme AND sc.tenant_id = a.tenant_id
 WHERE {applicant}
 ORDER BY c.id DESC LIMIT 500"""


async def certificates(kind: str, subject_id: int) -> list[DossierCertificate]:
    """The subject's certificates, newest first, with their state now (an unswept end is expired)."""
    rows = await db.fetch(_CERTIFICATES.format(applicant=applicant_sql("s", kind)), subject_id)
    out = []
    for r in rows:
        state = state_of(r["status"], r["valid_until"])
        out.append(
            DossierCertificate(
                id=r["id"],
                application=r["application"],
                number=r["number"],
                scheme=pick(r["name_zh"], r["name_en"]),
                state=state,
                state_label=label(CertificateState, state),
                valid_from=r["valid_from"],
                valid_until=r["valid_until"],
            )
        )
    return out
