"""The columns every kind of submission shares, defined once: a kind's tables subclass these abstract
bases and add what is theirs (certification: scheme, version, spec, values, notice end, renews;
funding: program, version, round, declared and verified values, score, estimate) and their foreign
keys (a review step to its application, an objection to what is under notice), so every reference
stays a real foreign key within the kind. Abstract (tag ``abstract``): no table of their own."""

from __future__ import annotations

from piccolo.columns import JSONB, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from pilotzone.auth.tables import User
from pilotzone.db import DB
from pilotzone.registry.tables import Enterprise, Park
from pilotzone.tenancy.tables import TenantTable
from pilotzone.workflow.states import ObjectionState


class SubmissionColumns(TenantTable, db=DB, tags=["abstract"]):
    """A submission: its subject (kind, id, label as named at creation), the applicant's scope
    (``workflow.scope``), its state (``status``: the kind's enum in ``workflow.states``, CHECKed) and
    review ``stage`` (an index into the definition's stages), who created it and when it moved."""

    subject_kind = Varchar(length=30)
    subject_id = Integer()  # a row of the table subject_kind names: no foreign key (it names several)
    subject_label = Varchar(length=300, default="")  # shown in lists (the subject as named at creation)
    applicant_enterprise = ForeignKey(Enterprise, null=True, default=None, on_delete=OnDelete.restrict)
    applicant_park = ForeignKey(Park, null=True, default=None, on_delete=OnDelete.restrict)
    district_code = Varchar(length=12, default="")
    status = Varchar(length=20, default="draft")
    stage = Integer(default=0)  # index into the definition's stages while in review
    created_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    submitted_at = Timestamptz(null=True, default=None)
    moved_at = Timestamptz(null=True, default=None)  # when it last entered its current stage/status


class ReviewStepColumns(TenantTable, db=DB, tags=["abstract"]):
    """One step of a review at one stage (``workflow.states.Decision``, CHECKed); a ``request_info``
    step also carries what it reopens and, once given, the applicant's answer (note, changed fields
    old → new, document versions uploaded: ``workflow.info_requests``)."""

    stage = Integer()
    stage_role = Varchar(length=30)
    reviewer_id = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    reviewer_email = Varchar(length=254, default="")
    decision = Varchar(length=20)
    comment = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    reopens = JSONB(default={})
    answer = JSONB(default={})
    answered_at = Timestamptz(null=True, default=None)


class ObjectionColumns(TenantTable, db=DB, tags=["abstract"]):
    """An objection raised by anyone during a public notice (``workflow.objections``); it pauses
    what is under notice until the bureau administrator resolves it (``ObjectionState``, CHECKed)."""

    name = Varchar(length=100, default="")
    contact = Varchar(length=200)
    reason = Text()
    ip = Varchar(length=64, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    status = Varchar(length=20, default=ObjectionState.OPEN.value)
    resolved_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    resolved_at = Timestamptz(null=True, default=None)
    resolution_note = Text(default="")
