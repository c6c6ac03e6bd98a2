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

from pilotzone.auth.tables import User
from pilotzone.db import DB
from pilotzone.documents.tables import Document
from pilotzone.tenancy.tables import Index, Ref, TenantTable, Unique
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

    keys = (Unique("scheme_tenant_key", ("key",)),)


class Application(SubmissionColumns, db=DB):
    """An application for a certification (the shared columns: ``workflow.tables``). ``spec`` is a
    copy of the scheme's spec at version ``scheme_version`` (the version at creation): submission is
    judged by it. ``values`` holds the declared field values as entered (text)."""

    scheme = ForeignKey(Scheme, null=False, on_delete=OnDelete.restrict)
    scheme_version = Integer()
    spec = JSONB(default={})
    values = JSONB(default={})
    updated_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    notice_until = Timestamptz(null=True, default=None)  # end of the public notice (公示) window
    renews = Integer(null=True, default=None)  # the certificate this application renews (a Ref: a cycle)

    keys = (
        Ref("renews", "certificate"),
        Index("application_tenant_enterprise", ("tenant_id", "applicant_enterprise", "id")),
        Index("application_tenant_park", ("tenant_id", "applicant_park", "id")),
        Index("application_tenant_district", ("tenant_id", "district_code", "id")),
        Index("application_tenant_scheme", ("tenant_id", "scheme", "status")),
        Index("application_tenant_status_stage", ("tenant_id", "status", "stage", "id")),
        Index("application_tenant_notice", ("tenant_id", "status", "notice_until")),
        Index("application_tenant_renews", ("tenant_id", "renews")),
        # the public notice: running notices in the order they end (keyset on notice_until, id) ...
        Index(
            "application_tenant_notice_order", ("tenant_id", "notice_until", "id"), where="status = 'notice'"
        ),
        # ... and its search by the start of the subject's name (text comparisons are leakproof: an
        # index condition under RLS, where a LIKE is a filter over every row)
        Index(
            "application_tenant_notice_name",
            ("tenant_id", '(subject_label COLLATE "C")', "id"),
            include=("notice_until",),
            where="status = 'notice'",
        ),
    )


class ApplicationChange(TenantTable, db=DB):
    """Who changed what in an application: one row per changed field (or status, or document)."""

    application = ForeignKey(Application, null=False, on_delete=OnDelete.cascade)
    user_id = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    user_email = Varchar(length=254, default="")
    at = Timestamptz(default=TimestamptzNow())
    field_key = Varchar(length=80)
    old_value = Text(default="")
    new_value = Text(default="")

    keys = (
        Index("application_change_tenant_application", ("tenant_id", "application", "id")),
        # the overview's recount of days to a decision reads the status changes per application
        Index("application_change_status_at", ("tenant_id", "application"), where="field_key = 'status'"),
    )


class Review(ReviewStepColumns, db=DB):
    """One reviewer's decision on an application at one stage (the shared columns:
    ``workflow.tables``), with the scores of the scheme's criteria and their weighted total."""

    application = ForeignKey(Application, null=False, on_delete=OnDelete.cascade)
    scores = JSONB(default={})
    total = Numeric(digits=(5, 2), null=True, default=None)

    keys = (
        Index("review_tenant_application", ("tenant_id", "application", "id")),
        Index("review_tenant_reviewer", ("tenant_id", "reviewer_id", "decision")),
    )


class Objection(ObjectionColumns, db=DB):
    """An objection raised during the public notice of an application; it pauses the application."""

    application = ForeignKey(Application, null=False, on_delete=OnDelete.cascade)

    keys = (
        Index("objection_tenant_application", ("tenant_id", "application", "status", "id")),
        Index("objection_tenant_status", ("tenant_id", "status", "id")),
    )


CERTIFICATE_STATUSES = ("valid", "expired", "renewed", "revoked")


class Certificate(TenantTable, db=DB):
    """The certificate issued after the notice; ``number`` is unique per tenant.
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
    pdf_document = ForeignKey(Document, null=True, default=None, on_delete=OnDelete.restrict)
    valid_from = Timestamptz(default=TimestamptzNow())
    renewed_by: ForeignKey[Certificate] = ForeignKey("self", null=True, default=None, on_delete=OnDelete.no_action)

    keys = (
        Unique("certificate_tenant_number", ("number",)),
        Index("certificate_number", ("number",)),  # public verification looks in every tenant
        Index("certificate_tenant_status_until", ("tenant_id", "status", "valid_until")),
    )


REMINDER_KINDS = ("renewal", "expired")


class CertificateReminder(TenantTable, db=DB):
    """An in-app reminder for the holder of a certificate: one per (tenant, certificate, kind)."""

    certificate = ForeignKey(Certificate, null=False, on_delete=OnDelete.cascade)
    kind = Varchar(length=20)
    due = Timestamptz()  # the certificate's valid_until when the reminder was made
    created_at = Timestamptz(default=TimestamptzNow())

    keys = (Unique("certificate_reminder_tenant_certificate_kind", ("certificate", "kind")),)


class CertificateCounter(TenantTable, db=DB):
    """The last certificate sequence number per (tenant, scheme, year); its row lock serialises issuing."""

    scheme_key = Varchar(length=40)
    year = Integer()
    last = Integer(default=0)

    keys = (Unique("certificate_counter_tenant_scheme_year", ("scheme_key", "year")),)
