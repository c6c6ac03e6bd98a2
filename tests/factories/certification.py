"""Certification rows (``application``, ``application_change``, ``objection``, ``certificate``):
Piccolo inserts in the tenant's transaction. The columns every kind of submission shares (subject,
applicant's scope, status, stage, times) come from ``pilotzone.workflow.tables``; ``status`` must be a
``CertificationState`` (the database CHECKs it) and every ``*_id``/reference a real row or ``None``.
The services (``create_application`` and the review steps) go through a principal and every state
in between; tests that arrange history (rollups, isolation) need an application already in a
given state at a given time, so the row is written as those steps leave it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from tests.factories.base import acting_in, unique

from pilotzone.certification.tables import Application, ApplicationChange, Certificate, Objection, Scheme


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
    **values: Any,
) -> Application:
    """An application for ``scheme`` about one subject, judged by the scheme's current spec (or the
    ``spec`` given). ``changes``: (at, old status, new status) rows of its history; ``values``: more
    columns (``applicant_enterprise``, ``stage``, ``notice_until``, ``values`` …)."""
    async with acting_in(slug):
        row = Application(
            scheme=scheme.id,
            scheme_version=values.pop("scheme_version", scheme.version),
            spec=values.pop("spec", scheme.spec),
            subject_kind=subject_kind,
            subject_id=subject_id,
            subject_label=values.pop("subject_label", None) or unique("测试申请"),
            status=status,
            values=values.pop("values", {}),
            **values,
        )
        await row.save()
        if changes:
            await ApplicationChange.insert(
                *[
                    ApplicationChange(
                        application=row.id, at=at, field_key="status", old_value=old, new_value=new
                    )
                    for at, old, new in changes
                ]
            )
    return row


async def status_change(slug: str, application: int, at: datetime, old: str, new: str) -> ApplicationChange:
    """One more row of an application's status history."""
    async with acting_in(slug):
        row = ApplicationChange(
            application=application, at=at, field_key="status", old_value=old, new_value=new
        )
        await row.save()
    return row


async def objection(slug: str, application: int, **values: Any) -> Objection:
    """An open objection raised during the public notice."""
    async with acting_in(slug):
        row = Objection(
            application=application,
            name=values.pop("name", "测试异议人"),
            contact=values.pop("contact", "13800000000"),
            reason=values.pop("reason", None) or unique("测试异议"),
            ip=values.pop("ip", "127.0.0.1"),
            **values,
        )
        await row.save()
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
