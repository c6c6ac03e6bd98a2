"""Certification tables. Schemes come from ``tenants/<slug>/schemes.toml``; applications, reviews,
objections raised during the public notice, and certificates with their per-year counters."""

from __future__ import annotations

from piccolo.columns import (
    JSONB,
    Boolean,
    ForeignKey,
    Integer,
    Numeric,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from pilotzone.db import DB
from pilotzone.tenancy.tables import TenantTable
from pilotzone.workflow.tables import ObjectionColumns, ReviewStepColumns, SubmissionColumns


class Scheme(TenantTable, db=DB):
    """One certification scheme of a tenant; ``version`` grows whenever its spec changes, so an
    application can be judged by the version it was submitted under."""

    key = Varchar(length=40)  # unique per tenant
    subject = Varchar(length=30)
    name_zh = Varchar(length=200)
    name_en = Varchar(length=200)
    spec = JSONB(default={})
    version = Integer(default=1)
    active = Boolean(default=True)
    updated_at = Timestamptz(default=TimestamptzNow())


class Application(SubmissionColumns, db=DB):
    """An application for a certification (the shared columns: ``workflow.tables``). ``spec`` is a
    copy of the scheme's spec at version ``scheme_version`` (the version at creation): submission is
    judged by it. ``values`` holds the declared field values as entered (text)."""

    scheme = ForeignKey(Scheme, null=False, on_delete=OnDelete.restrict)
    scheme_version = Integer()
    spec = JSONB(default={})
    values = JSONB(default={})
    updated_by = Integer(null=True, default=None)
    notice_until = Timestamptz(null=True, default=None)  # end of the public notice (公示) window
    renews = Integer(null=True, default=None)  # the certificate this application renews


class ApplicationChange(TenantTable, db=DB):
    """Who changed what in an application: one row per changed field (or status, or document)."""

    application = ForeignKey(Application, null=False, on_delete=OnDelete.cascade)
    user_id = Integer(null=True, default=None)
    user_email = Varchar(length=254, default="")
    at = Timestamptz(default=TimestamptzNow())
    field_key = Varchar(length=80)
    old_value = Text(default="")
    new_value = Text(default="")


class Review(ReviewStepColumns, db=DB):
    """One reviewer's decision on an application at one stage (the shared columns:
    ``workflow.tables``), with the scores of the scheme's criteria and their weighted total."""

    application = ForeignKey(Application, null=False, on_delete=OnDelete.cascade)
    scores = JSONB(default={})
    total = Numeric(digits=(5, 2), null=True, default=None)


class Objection(ObjectionColumns, db=DB):
    """An objection raised during the public notice of an application; it pauses the application."""

    application = ForeignKey(Application, null=False, on_delete=OnDelete.cascade)


CERTIFICATE_STATUSES = ("valid", "expired", "renewed", "revoked")


class Certificate(TenantTable, db=DB):
    """The certificate issued after the notice; ``number`` is unique per tenant (see the keys migration).
    ``valid_from`` is the issue date, or for a renewal the end of the certificate it renews;
    ``renewed_by`` points to the certificate that replaced it (status ``renewed``)."""

    application = ForeignKey(Application, null=False, unique=True, on_delete=OnDelete.restrict)
    scheme_key = Varchar(length=40)
    number = Varchar(length=80)
    subject_label = Varchar(length=300, default="")
    issued_at = Timestamptz(default=TimestamptzNow())
    valid_until = Timestamptz()
    status = Varchar(length=20, default="valid")
    revoked_reason = Text(default="")
    pdf_document = Integer(null=True, default=None)
    valid_from = Timestamptz(default=TimestamptzNow())
    renewed_by = Integer(null=True, default=None)


REMINDER_KINDS = ("renewal", "expired")


class CertificateReminder(TenantTable, db=DB):
    """An in-app reminder for the holder of a certificate: one per (tenant, certificate, kind)."""

    certificate = ForeignKey(Certificate, null=False, on_delete=OnDelete.cascade)
    kind = Varchar(length=20)
    due = Timestamptz()  # the certificate's valid_until when the reminder was made
    created_at = Timestamptz(default=TimestamptzNow())


class CertificateCounter(TenantTable, db=DB):
    """The last certificate sequence number per (tenant, scheme, year); its row lock serialises issuing."""

    scheme_key = Varchar(length=40)
    year = Integer()
    last = Integer(default=0)
