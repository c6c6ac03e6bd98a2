"""What the engine holds about one subject for its file (一企一档, composed by ``pilotzone.dossier``):
the condition naming a subject's own submissions, and the objections raised against the public notices
of its submissions, of either kind (without the objector's name or contact)."""

from __future__ import annotations

from datetime import datetime

import msgspec

from pilotzone import db
from pilotzone.web.labels import label
from pilotzone.workflow.states import Kind, ObjectionState


class DossierObjection(msgspec.Struct, frozen=True, kw_only=True):
    application: int
    raised_at: datetime
    reason: str
    status_label: str
    resolution_note: str


def applicant_sql(alias: str, kind: str) -> str:
    """The condition naming the subject's own submissions ($1: its id; ``kind``: enterprise or park)."""
    if kind == "enterprise":
        return f"{alias}.applicant_enterprise = $1"
    return f"{alias}.applicant_park = $1 AND {alias}.applicant_enterprise IS NULL"


_OBJECTIONS = """
SELECT n.submission, o.created_at, o.reason, o.status, o.resolution_note
  FROM objection o
  JOIN notice n ON n.id = o.notice AND n.tenant_id = o.tenant_id
  JOIN submission s ON s.id = n.submission AND s.tenant_id = n.tenant_id
 WHERE n.kind = $2 AND {applicant}
 ORDER BY o.id DESC LIMIT 200"""


async def objections(notice_kind: Kind, kind: str, subject_id: int) -> list[DossierObjection]:
    """Objections to the notices of kind ``notice_kind`` (certification or award) of the subject's
    submissions, newest first."""
    rows = await db.fetch(_OBJECTIONS.format(applicant=applicant_sql("s", kind)), subject_id, notice_kind.value)
    return [
        DossierObjection(
            application=r["submission"],
            raised_at=r["created_at"],
            reason=r["reason"],
            status_label=label(ObjectionState(r["status"])),
            resolution_note=r["resolution_note"],
        )
        for r in rows
    ]
