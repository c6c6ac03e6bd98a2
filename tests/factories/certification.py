"""Certification rows (a ``submission`` of kind certification with its ``application`` part, a
``certificate``): Piccolo inserts in the tenant's transaction. The submission's columns (subject,
applicant's scope, status, stage, values, times) are written by ``tests.factories.workflow``; ``status``
must be a ``CertificationState`` (the database CHECKs it) and every ``*_id``/reference a real row or
``None``.
The services (``create_application`` and the review steps) go through a principal and every state
in between; tests that arrange history (rollups, isolation) need an application already in a
given state at a given time, so the row is written as those steps leave it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from tests.factories import workflow
from tests.factories.base import acting_in, unique

from pilotzone.certification.tables import Application, Certificate, Scheme
from pilotzone.workflow.states import Kind


def _years_after(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


async def scheme(slug: str, key: str | None = None, subject: str | None = None) -> Scheme:
    """A scheme synced from ``tenants/<slug>/schemes.toml``, by key or by subject (the first one)."""
    async with acting_in(slug):
        query = Scheme.objects().order_by(Scheme.id)
        if key is not None:
            query = query.where(Scheme.key == key)
        if subject is not None:
            query = query.where(Scheme.subject == subject)
        found = await query.first()
    assert found is not None, f"no scheme {key or subject} in {slug}"
    return found


async def application(
    slug: str,
    scheme: Scheme,
    subject_kind: str,
    subject_id: int,
    *,
    status: str = "draft",
    changes: Sequence[tuple[datetime, str, str]] = (),
    notice_until: datetime | None = None,
    **values: Any,
) -> Application:
    """An application for ``scheme`` about one subject, judged by the scheme's current spec (or the
    ``spec`` given). ``changes``: (at, old status, new status) rows of its history; ``notice_until``:
    its public notice (opened with it); ``values``: more columns of the submission
    (``applicant_enterprise``, ``stage``, ``values`` …) or of the application (``renews``)."""
    mine, own = workflow.split(values)
    async with acting_in(slug):
        sub = await workflow.submission(
            slug, Kind.CERTIFICATION, subject_kind, subject_id, status=status, changes=changes, **mine
        )
        row = Application(
            id=sub.id,
            scheme=scheme.id,
            scheme_version=own.pop("scheme_version", scheme.version),
            spec=own.pop("spec", scheme.spec),
            **own,
        )
        await row.save()
        if notice_until is not None:
            await workflow.notice(
                slug, Kind.CERTIFICATION, sub.id, notice_until, subject_label=sub.subject_label
            )
    return row


async def certificate(
    slug: str, application: int, scheme_key: str, *, issued: datetime | None = None, **values: Any
) -> Certificate:
    """A valid certificate for ``application``, issued ``issued`` (now), valid three years."""
    issued = issued or datetime.now(UTC)
    number = values.pop("number", None) or unique("测试证书")
    async with acting_in(slug):
        row = Certificate(
            application=application,
            scheme_key=scheme_key,
            number=number,
            subject_label=values.pop("subject_label", number),
            issued_at=issued,
            valid_from=values.pop("valid_from", issued),
            valid_until=values.pop("valid_until", _years_after(issued, 3)),
            **values,
        )
        await row.save()
    return row
