"""Certification applications (申报): drafts saved as they are typed, submission checked against the
scheme version the application was started under, withdrawal, documents by scheme document key, and
the history of who changed what.

An application's scope is that of its subject (an enterprise, a park, or the enterprise owning a
warehouse or employing a talent): ``applicant_enterprise``, ``applicant_park`` and ``district_code``
are copied from the subject at creation. Only roles listed in the scheme's ``applicants`` may start
or change one; everybody whose scope covers it may read it.

An application is a ``submission`` of kind certification (``workflow.tables``: subject, scope, state,
stage, values, history) with its ``application`` part of the same id (scheme, spec, renews): a
:class:`Case` holds both.
"""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

from pilotzone.auth.guards import tenant
from pilotzone.auth.principal import Principal
from pilotzone.certification.schemes import SchemeSpec, from_stored
from pilotzone.certification.services import get_scheme
from pilotzone.certification.tables import Application
from pilotzone.registry.subjects import submission_subject
from pilotzone.web.i18n import gettext as _
from pilotzone.web.labels import N_, label
from pilotzone.workflow import fields, submissions
from pilotzone.workflow.forms import Posted
from pilotzone.workflow.objections import notice_of
from pilotzone.workflow.scope import visible
from pilotzone.workflow.states import Actor, CertificationState, Kind
from pilotzone.workflow.submissions import Kept, kept, kept_one
from pilotzone.workflow.transitions import actors_of

NOTICE_ENDED = N_("Notice ended: the certificate is due")  # shown, never stored
SHOWN_STATES = (*CertificationState.values(), "notice_ended")  # the states pages and dashboards show
KIND = Kind.CERTIFICATION
STARTERS = tenant("bureau_admin", "park_operator", "enterprise_user")


Case = Kept[Application]  # one certification application: its submission and its part (scheme, spec)


def notice_running(status: str, notice_until: datetime | None, moment: datetime | None = None) -> bool:
    """Whether a notice runs at ``moment``: the Python reading of ``notices.running_sql`` (a test keeps
    the two equal). An application stays ``notice`` until its certificate is issued."""
    return (
        status == CertificationState.NOTICE
        and notice_until is not None
        and notice_until > (moment or datetime.now(UTC))
    )


def status_label(code: str, notice_until: datetime | None = None) -> str:
    """The label of a status as it stands now: a notice whose end has passed waits for its certificate."""
    if code == "notice_ended" or (
        code == CertificationState.NOTICE
        and notice_until is not None
        and not notice_running(code, notice_until)
    ):
        return _(NOTICE_ENDED)
    try:
        return label(CertificationState(code))
    except ValueError:
        return code


async def shown_status(case: Case) -> str:
    """The label of an application's status as it stands now (its notice's end read when under notice)."""
    notice = await notice_of(KIND, case.id) if case.sub.status == CertificationState.NOTICE else None
    return status_label(case.sub.status, notice.notice_until if notice else None)


def spec_of(case: Case) -> SchemeSpec:
    """The scheme version the application was started under, decoded once per version."""
    return from_stored(case.app.spec)


class StartForm(msgspec.Struct):
    """The form that starts an application: the scheme's key and the subject's id."""

    scheme: str = ""
    subject_id: str = ""


class ApplicationError(Exception):
    """``field`` names the form field; ``message`` is an already translated text."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


# -- scope


def stage_role(case: Case) -> str:
    stages = spec_of(case).stages
    return stages[case.sub.stage] if 0 <= case.sub.stage < len(stages) else ""


def actors(principal: Principal | None, case: Case) -> frozenset[Actor]:
    """The workflow actors ``principal`` plays for the application (None: the system)."""
    return actors_of(
        principal,
        covers=principal is not None and visible(principal, case.sub),
        applicants=spec_of(case).applicants,
        stage_role=stage_role(case),
    )


def may_change(principal: Principal, case: Case) -> bool:
    """A role listed in the scheme's applicants, whose scope covers the application."""
    return (
        not principal.province and principal.role in spec_of(case).applicants and visible(principal, case.sub)
    )


async def cases(ids: list[int]) -> dict[int, Case]:
    """The applications ``ids`` (those that exist), by id."""
    return await kept(KIND, Application, ids)


async def get_application(application_id: int) -> Case | None:
    return await kept_one(KIND, Application, application_id)


async def visible_application(principal: Principal, application_id: int) -> Case | None:
    case = await get_application(application_id)
    if case is None or not visible(principal, case.sub):
        return None
    return case


def now() -> datetime:
    return datetime.now(UTC)


def merged_values(case: Case, form: Posted) -> dict[str, str]:
    """The stored values with the posted ones of the spec's fields laid over them."""
    values = case.declared
    for field in spec_of(case).fields:
        if field.key in form:
            values[field.key] = form[field.key].strip()
    return values


async def create_application(principal: Principal, scheme_key: str, subject_id: str) -> Case:
    """A new draft for the scheme ``scheme_key`` about the subject ``subject_id``: the submission (its
    creation in the history) and its certification part. Raises ApplicationError."""
    scheme = await get_scheme(scheme_key)
    if scheme is None:
        raise ApplicationError("scheme", _("Choose a certification scheme."))
    if principal.role not in from_stored(scheme.spec).applicants:
        raise ApplicationError("scheme", _("Your role may not apply for this certification."))
    subject = await submission_subject(principal, scheme.subject, subject_id)
    if subject is None:
        raise ApplicationError("subject_id", _("Choose what the application is for."))
    sub = await submissions.start(KIND, subject, principal)
    app = Application(id=sub.id, scheme=scheme.id, scheme_version=scheme.version, spec=scheme.spec)
    await app.save()
    return Kept(sub, app)


# -- validation


def validate(spec: SchemeSpec, values: dict[str, str], present_documents: set[str]) -> dict[str, str]:
    return fields.validate(spec.fields, spec.documents, values, present_documents)
