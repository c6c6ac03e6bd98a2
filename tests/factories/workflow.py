"""The engine's rows (``submission``, ``submission_change``, ``notice``, ``objection``): Piccolo inserts in
the tenant's transaction. A kind's factory (``certification.application``, ``funding.funding_application``)
writes the submission here and then its own part with the submission's id. ``status`` must be one of the
kind's states (the database CHECKs it per kind)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tests.factories.base import acting_in, unique

from pilotzone.workflow.states import Kind
from pilotzone.workflow.tables import Notice, Objection, Submission, SubmissionChange

# the columns of a submission (the rest of a factory's keywords are the kind's own)
COLUMNS = frozenset(c._meta.name for c in Submission._meta.columns) - {"id", "tenant"}


def split(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the submission's columns, the kind's own) of a factory's keywords."""
    mine = {k: v for k, v in values.items() if k in COLUMNS}
    return mine, {k: v for k, v in values.items() if k not in COLUMNS}


async def submission(
    slug: str,
    kind: Kind,
    subject_kind: str,
    subject_id: int,
    *,
    status: str = "draft",
    changes: Sequence[tuple[datetime, str, str]] = (),
    **values: Any,
) -> Submission:
    """A submission of ``kind`` about one subject; ``changes``: (at, old status, new status) rows of its
    history; ``values``: more submission columns (``applicant_enterprise``, ``stage``, ``values`` …)."""
    async with acting_in(slug):
        row = Submission(
            kind=kind.value,
            subject_kind=subject_kind,
            subject_id=subject_id,
            subject_label=values.pop("subject_label", None) or unique("测试申请"),
            status=status,
            **values,
        )
        await row.save()
        for at, old, new in changes:
            await status_change(slug, row.id, at, old, new)
    return row


async def status_change(slug: str, submission: int, at: datetime, old: str, new: str) -> SubmissionChange:
    """One more row of a submission's status history."""
    async with acting_in(slug):
        row = SubmissionChange(submission=submission, at=at, field_key="status", old_value=old, new_value=new)
        await row.save()
    return row


async def notice(slug: str, kind: Kind, submission: int, until: datetime, **values: Any) -> Notice:
    """A public notice of ``kind`` (certification, award) of a submission, ending ``until``."""
    async with acting_in(slug):
        row = Notice(
            kind=kind.value,
            submission=submission,
            subject_label=values.pop("subject_label", None) or unique("测试公示"),
            notice_until=until,
            **values,
        )
        await row.save()
    return row


async def objection(slug: str, notice: int, **values: Any) -> Objection:
    """An open objection raised during the public notice ``notice``."""
    async with acting_in(slug):
        row = Objection(
            notice=notice,
            name=values.pop("name", "测试异议人"),
            contact=values.pop("contact", "13800000000"),
            reason=values.pop("reason", None) or unique("测试异议"),
            ip=values.pop("ip", "127.0.0.1"),
            **values,
        )
        await row.save()
    return row
