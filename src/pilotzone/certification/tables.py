"""Certification tables. Schemes come from ``tenants/<slug>/schemes.toml``; an application's own part
(the rest of it, its review steps, its public notice and the objections to it are the workflow's
tables: ``pilotzone.workflow.tables``), and certificates with their per-year counters and reminders."""

from __future__ import annotations

from piccolo.columns import (
    JSONB,
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from pilotzone.db import DB
from pilotzone.documents.tables import Document
from pilotzone.tenancy.tables import Index, Ref, TenantTable, Unique


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
    source = Varchar(length=10, default="file")  # file: tenants/<slug>.toml; editor: made or imported in the UI
    updated_at = Timestamptz(default=TimestamptzNow())

    keys = (Unique("scheme_tenant_key", ("key",)),)


class Application(TenantTable, db=DB):
    """The certification part of a submission of kind ``certification`` (``workflow.tables.Submission``:
    subject, scope, state, values): ``id`` is the submission's. ``spec`` is a copy of the scheme's spec
    at version ``scheme_version`` (the version at creation): submission is judged by it."""

    id = Integer(primary_key=True)  # the submission's id (Ref below), not a sequence of its own
    scheme = ForeignKey(Scheme, null=False, on_delete=OnDelete.restrict)
    scheme_version = Integer()
    spec = JSONB(default={})
    renews = Integer(null=True, default=None)  # the certificate this application renews (a Ref: a cycle)

    keys = (
        Ref("id", "submission", "CASCADE"),
        Ref("renews", "certificate"),
        Index("application_tenant_scheme", ("tenant_id", "scheme", "id")),
        Index("application_tenant_renews", ("tenant_id", "renews")),
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
    renewed_by: ForeignKey[Certificate] = ForeignKey(
        "self", null=True, default=None, on_delete=OnDelete.no_action
    )

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
