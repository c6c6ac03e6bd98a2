"""Certification applications (申报): drafts saved as they are typed, submission checked against the
scheme version the application was started under, withdrawal, documents by scheme document key, and
the history of who changed what.

An application's scope is that of its subject (an enterprise, a park, or the enterprise owning a
warehouse or employing a talent): ``applicant_enterprise``, ``applicant_park`` and ``district_code``
are copied from the subject at creation. Only roles listed in the scheme's ``applicants`` may start
or change one; everybody whose scope covers it may read it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import msgspec

from pilotzone.auth.guards import tenant
from pilotzone.auth.principal import Principal
from pilotzone.certification.schemes import SchemeSpec, from_stored
from pilotzone.certification.services import get_scheme
from pilotzone.certification.tables import Application, ApplicationChange
from pilotzone.registry.subjects import submission_subject
from pilotzone.web.i18n import gettext as _
from pilotzone.web.i18n import pick
from pilotzone.web.labels import N_, label
from pilotzone.workflow import fields
from pilotzone.workflow.forms import Posted
from pilotzone.workflow.scope import listed, visible
from pilotzone.workflow.states import Actor, CertificationState, Kind
from pilotzone.workflow.transitions import actors_of

NOTICE_ENDED = N_("Notice ended: the certificate is due")  # shown, never stored
SHOWN_STATES = (*CertificationState.values(), "notice_ended")  # the states pages and dashboards show
KIND = Kind.CERTIFICATION
STARTERS = tenant("bureau_admin", "park_operator", "enterprise_user")


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


def values_of(value: Any) -> dict:
    """Stored JSON values (an application's ``values``: keyed by the scheme's own field keys)."""
    return json.loads(value) if isinstance(value, str) else dict(value or {})


def spec_of(application: Application) -> SchemeSpec:
    """The scheme version the application was started under, decoded once per version."""
    return from_stored(application.spec)


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


def stage_role(application: Application) -> str:
    stages = spec_of(application).stages
    return stages[application.stage] if 0 <= application.stage < len(stages) else ""


def actors(principal: Principal | None, application: Application) -> frozenset[Actor]:
    """The workflow actors ``principal`` plays for ``application`` (None: the system)."""
    return actors_of(
        principal,
        covers=principal is not None and visible(principal, application),
        applicants=spec_of(application).applicants,
        stage_role=stage_role(application),
    )


def may_change(principal: Principal, application: Application) -> bool:
    """A role listed in the scheme's applicants, whose scope covers the application."""
    return (
        not principal.province
        and principal.role in spec_of(application).applicants
        and visible(principal, application)
    )


async def get_application(application_id: int) -> Application | None:
    return await Application.objects().where(Application.id == application_id).first()


async def visible_application(principal: Principal, application_id: int) -> Application | None:
    application = await get_application(application_id)
    if application is None or not visible(principal, application):
        return None
    return application


async def list_applications(principal: Principal) -> list[dict]:
    a = Application
    columns = (a.scheme.name_zh, a.scheme.name_en, a.subject_kind, a.subject_label, a.status, a.notice_until)
    rows = await listed(a, principal, *columns, a.updated_at)
    for row in rows:
        row["scheme_name"] = pick(row["scheme.name_zh"], row["scheme.name_en"])
        row["status_label"] = status_label(row["status"], row["notice_until"])
    return rows


# -- changes


def now() -> datetime:
    return datetime.now(UTC)


async def write_changes(
    principal: Principal, application: Application, changes: list[tuple[str, str, str]]
) -> None:
    if not changes:
        return
    await ApplicationChange.insert(
        *[
            ApplicationChange(
                application=application.id,
                user_id=principal.user_id,
                user_email=principal.label,
                field_key=key,
                old_value=old,
                new_value=new,
            )
            for key, old, new in changes
        ]
    )


def merged_values(application: Application, form: Posted) -> dict[str, str]:
    """The stored values with the posted ones of the spec's fields laid over them."""
    values = {k: str(v) for k, v in values_of(application.values).items()}
    for field in spec_of(application).fields:
        if field.key in form:
            values[field.key] = form[field.key].strip()
    return values


async def save_values(principal: Principal, application: Application, values: dict[str, str]) -> int:
    """Store ``values`` (no validation), one history row per changed field; returns how many changed."""
    old = {k: str(v) for k, v in values_of(application.values).items()}
    changes = [(k, old.get(k, ""), v) for k, v in values.items() if old.get(k, "") != v]
    await Application.update(
        {
            Application.values: values,
            Application.updated_by: principal.user_id,
            Application.updated_at: now(),
        }
    ).where(Application.id == application.id)
    await write_changes(principal, application, changes)
    return len(changes)


async def create_application(principal: Principal, scheme_key: str, subject_id: str) -> Application:
    scheme = await get_scheme(scheme_key)
    if scheme is None:
        raise ApplicationError("scheme", _("Choose a certification scheme."))
    if principal.role not in from_stored(scheme.spec).applicants:
        raise ApplicationError("scheme", _("Your role may not apply for this certification."))
    subject = await submission_subject(principal, scheme.subject, subject_id)
    if subject is None:
        raise ApplicationError("subject_id", _("Choose what the application is for."))
    application = Application(
        **subject,
        scheme=scheme.id,
        scheme_version=scheme.version,
        spec=scheme.spec,
        status=CertificationState.DRAFT,
        values={},
        updated_by=principal.user_id,
    )
    await application.save()
    await write_changes(principal, application, [("status", "", CertificationState.DRAFT)])
    return application


# -- validation


def validate(spec: SchemeSpec, values: dict[str, str], present_documents: set[str]) -> dict[str, str]:
    return fields.validate(spec.fields, spec.documents, values, present_documents)
