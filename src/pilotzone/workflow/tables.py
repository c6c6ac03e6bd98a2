"""The engine's tables, one for every kind of submission (certification, funding, registration, and
the kinds to come): the submission itself, who changed what in it, its review steps (information
requests and their answers among them), the public notices (公示) and the objections raised against
them. A kind keeps only what is its own in a table of its package whose ``id`` *is* the submission's
(``Ref("id", "submission")``: a certification's scheme and spec, a funding application's program,
round and verified values), so every reference stays a real foreign key and no kind has a copy of
these tables."""

from __future__ import annotations

from piccolo.columns import JSONB, Date, ForeignKey, Integer, Numeric, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from pilotzone.auth.tables import User
from pilotzone.db import DB
from pilotzone.registry.tables import Enterprise, Park
from pilotzone.tenancy.tables import Index, TenantTable, Unique
from pilotzone.workflow.states import ObjectionState


class Submission(TenantTable, db=DB):
    """A submission of one ``kind`` (``workflow.states.Kind``): its subject (kind, id, label as named
    at creation), the applicant's scope (``workflow.scope``), its state (``status``: the kind's enum
    in ``workflow.states``, CHECKed per kind) and review ``stage`` (an index into the definition's
    stages), the field ``values`` as entered (text), who created and last changed it, and when."""

    kind = Varchar(length=20)
    subject_kind = Varchar(length=30)
    subject_id = Integer()  # a row of the table subject_kind names: no foreign key (it names several)
    subject_label = Varchar(length=300, default="")  # shown in lists (the subject as named at creation)
    applicant_enterprise = ForeignKey(Enterprise, null=True, default=None, on_delete=OnDelete.restrict)
    applicant_park = ForeignKey(Park, null=True, default=None, on_delete=OnDelete.restrict)
    district_code = Varchar(length=12, default="")
    status = Varchar(length=20, default="draft")
    stage = Integer(default=0)  # index into the definition's stages while in review
    values = JSONB(default={})  # the declared field values as entered (text)
    created_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    updated_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    submitted_at = Timestamptz(null=True, default=None)
    moved_at = Timestamptz(null=True, default=None)  # when it last entered its current stage/status

    keys = (
        Index("submission_tenant_kind_status", ("tenant_id", "kind", "status", "stage", "id")),
        Index("submission_tenant_enterprise", ("tenant_id", "applicant_enterprise", "id")),
        Index("submission_tenant_park", ("tenant_id", "applicant_park", "id")),
        Index("submission_tenant_district", ("tenant_id", "district_code", "id")),
        Index("submission_tenant_subject", ("tenant_id", "subject_kind", "subject_id")),
    )


class SubmissionChange(TenantTable, db=DB):
    """Who changed what in a submission: one row per changed field (or status, or document)."""

    submission = ForeignKey(Submission, null=False, on_delete=OnDelete.cascade)
    user_id = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    user_email = Varchar(length=254, default="")
    at = Timestamptz(default=TimestamptzNow())
    field_key = Varchar(length=80)
    old_value = Text(default="")
    new_value = Text(default="")

    keys = (
        Index("submission_change_tenant_submission", ("tenant_id", "submission", "id")),
        # the overview's recount of days to a decision reads the status changes per submission
        Index("submission_change_status_at", ("tenant_id", "submission"), where="field_key = 'status'"),
    )


class ReviewStep(TenantTable, db=DB):
    """One step of a review at one stage (``workflow.states.Decision``, CHECKed): a reviewer's
    decision with what the kind records (certification: ``scores`` per criterion and their weighted
    ``total``; funding: the ``verified`` values and the ``reasons`` where they differ from the
    declared ones); a ``request_info`` step also carries what it reopens, the date it is due
    (``due_on``) and, once given, the applicant's answer (note, changed fields old → new, document
    versions: ``workflow.info_requests``)."""

    submission = ForeignKey(Submission, null=False, on_delete=OnDelete.cascade)
    stage = Integer()
    stage_role = Varchar(length=30)
    reviewer_id = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    reviewer_email = Varchar(length=254, default="")
    decision = Varchar(length=20)
    comment = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    scores = JSONB(default={})
    total = Numeric(digits=(8, 2), null=True, default=None)
    verified = JSONB(default={})
    reasons = JSONB(default={})  # input key → why the verified value differs from the declared one
    reopens = JSONB(default={})
    answer = JSONB(default={})
    answered_at = Timestamptz(null=True, default=None)
    due_on = Date(null=True, default=None)  # a request: answer by the end of this day (tenant zone)

    keys = (
        Index("review_step_tenant_submission", ("tenant_id", "submission", "id")),
        Index("review_step_tenant_reviewer", ("tenant_id", "reviewer_id", "decision")),
    )


class Notice(TenantTable, db=DB):
    """A public notice (公示) of what a submission led to (``workflow.states.NoticeKind``: a
    certification to be issued, a funding award): its window (``notice_until``) and what the public
    list shows and searches (``subject_label``). Whether it runs follows from the state of what is
    under notice (the submission's, or the award's) and its dates; objections point here."""

    kind = Varchar(length=20)
    submission = ForeignKey(Submission, null=False, on_delete=OnDelete.cascade)
    subject_label = Varchar(length=300, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    notice_until = Timestamptz()

    keys = (
        Unique("notice_tenant_kind_submission", ("kind", "submission")),
        # the public lists: notices in the order they end (keyset on notice_until, id) ...
        Index("notice_tenant_order", ("tenant_id", "kind", "notice_until", "id")),
        # ... and their search by the start of the subject's name (text comparisons are leakproof: an
        # index condition under RLS, where a LIKE is a filter over every row)
        Index("notice_tenant_name", ("tenant_id", "kind", '(subject_label COLLATE "C")', "id")),
    )


class Objection(TenantTable, db=DB):
    """An objection raised by anyone during a public notice (``workflow.objections``); it pauses
    what is under notice until the bureau administrator resolves it (``ObjectionState``, CHECKed)."""

    notice = ForeignKey(Notice, null=False, on_delete=OnDelete.cascade)
    name = Varchar(length=100, default="")
    contact = Varchar(length=200)
    reason = Text()
    ip = Varchar(length=64, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    status = Varchar(length=20, default=ObjectionState.OPEN.value)
    resolved_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    resolved_at = Timestamptz(null=True, default=None)
    resolution_note = Text(default="")

    keys = (
        Index("objection_tenant_notice", ("tenant_id", "notice", "ip", "created_at")),
        Index("objection_tenant_status", ("tenant_id", "status", "id")),
    )
