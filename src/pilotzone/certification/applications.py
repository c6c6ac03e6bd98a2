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
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from piccolo.query import Select
from piccolo.table import Table

from pilotzone import db
from pilotzone.auth.guards import tenant
from pilotzone.auth.principal import Principal
from pilotzone.certification.services import get_scheme
from pilotzone.certification.tables import Application, ApplicationChange
from pilotzone.registry.services import enterprise_scope
from pilotzone.registry.tables import Park
from pilotzone.web.i18n import gettext as _
from pilotzone.web.i18n import pick
from pilotzone.web.labels import N_, label
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


def spec_of(value: Any) -> dict:
    return json.loads(value) if isinstance(value, str) else dict(value or {})


class ApplicationError(Exception):
    """``field`` names the form field; ``message`` is an already translated text."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


# -- subjects


_SUBJECT_SQL = {
    "enterprise": (
        "SELECT e.id, e.name AS label, e.id AS enterprise, e.park, e.district_code FROM enterprise e "
        "WHERE e.id IN (SELECT id FROM enterprise WHERE {where})"
    ),
    "overseas_warehouse": (
        "SELECT o.id, e.name || ' · ' || o.city || ', ' || o.address AS label, e.id AS enterprise, e.park, "
        "e.district_code FROM overseas_warehouse o JOIN enterprise e ON e.id = o.enterprise "
        "WHERE o.enterprise IN (SELECT id FROM enterprise WHERE {where})"
    ),
    "talent": (
        "SELECT t.id, e.name || ' · ' || t.name AS label, e.id AS enterprise, e.park, e.district_code "
        "FROM talent t JOIN enterprise e ON e.id = t.employer "
        "WHERE t.employer IN (SELECT id FROM enterprise WHERE {where})"
    ),
}


async def subjects(principal: Principal, kind: str, subject_id: int | None = None) -> list[dict]:
    """Subjects of ``kind`` in the acting role's scope: id, label, enterprise, park, district_code."""
    if kind == "park":
        query = Park.select(Park.id, Park.name_zh, Park.name_en, Park.district_code).where(
            Park.status == "active"
        )
        if subject_id is not None:
            query = query.where(Park.id == subject_id)
        rows = await query.order_by(Park.id)
        return [
            {
                "id": r["id"],
                "label": pick(r["name_zh"], r["name_en"]),
                "enterprise": None,
                "park": r["id"],
                "district_code": r["district_code"],
            }
            for r in rows
            if principal.sees_park(r["id"], r["district_code"])
        ]
    if kind not in _SUBJECT_SQL:
        return []
    where, args = enterprise_scope(principal)
    sql = _SUBJECT_SQL[kind].format(where=where)
    if subject_id is not None:
        args = [*args, subject_id]
        sql += f" AND {kind[0]}.id = ${len(args)}"  # the alias: e, o(verseas warehouse) or t
    return [dict(r) for r in await db.fetch(sql + " ORDER BY 1", *args)]


# -- scope


def visible(principal: Principal, application: Application) -> bool:
    if application.applicant_enterprise is not None:
        return principal.sees_enterprise(
            application.applicant_enterprise, application.applicant_park, application.district_code
        )
    return application.applicant_park is not None and principal.sees_park(
        application.applicant_park, application.district_code
    )


def stage_role(application: Application) -> str:
    stages = spec_of(application.spec).get("stages", [])
    return stages[application.stage] if 0 <= application.stage < len(stages) else ""


def actors(principal: Principal | None, application: Application) -> frozenset[Actor]:
    """The workflow actors ``principal`` plays for ``application`` (None: the system)."""
    return actors_of(
        principal,
        covers=principal is not None and visible(principal, application),
        applicants=spec_of(application.spec).get("applicants", []),
        stage_role=stage_role(application),
    )


def may_change(principal: Principal, application: Application) -> bool:
    """A role listed in the scheme's applicants, whose scope covers the application."""
    return (
        not principal.province
        and principal.role in spec_of(application.spec).get("applicants", [])
        and visible(principal, application)
    )


async def get_application(application_id: int) -> Application | None:
    return await Application.objects().where(Application.id == application_id).first()


async def visible_application(principal: Principal, application_id: int) -> Application | None:
    application = await get_application(application_id)
    if application is None or not visible(principal, application):
        return None
    return application


def scoped(query: Select, table: type[Table], principal: Principal) -> Select | None:
    """``query`` (a select of certification or funding applications: the same scope columns) narrowed
    to what ``principal`` may list; None when nothing."""
    m = principal.acting
    if principal.province or (m and m.role in ("bureau_admin", "bureau_reviewer")):
        return query
    if m and m.role == "district_reviewer":
        return query.where(table.district_code == m.district_code)  # type: ignore[attr-defined]
    if m and m.role == "park_operator" and m.park_id is not None:
        return query.where(table.applicant_park == m.park_id)  # type: ignore[attr-defined]
    if m and m.role == "enterprise_user" and m.enterprise_id is not None:
        return query.where(table.applicant_enterprise == m.enterprise_id)  # type: ignore[attr-defined]
    return None


async def list_applications(principal: Principal) -> list[dict]:
    query = Application.select(
        Application.id,
        Application.scheme.name_zh,
        Application.scheme.name_en,
        Application.subject_kind,
        Application.subject_label,
        Application.status,
        Application.notice_until,
        Application.updated_at,
    )
    query = scoped(query, Application, principal)
    if query is None:
        return []
    rows = await query.order_by(Application.id, ascending=False).limit(200)
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


def merged_values(application: Application, form: dict[str, str]) -> dict[str, str]:
    """The stored values with the posted ones of the spec's fields laid over them."""
    values = {k: str(v) for k, v in spec_of(application.values).items()}
    for field in spec_of(application.spec).get("fields", []):
        if field["key"] in form:
            values[field["key"]] = form[field["key"]].strip()
    return values


async def save_values(principal: Principal, application: Application, values: dict[str, str]) -> int:
    """Store ``values`` (no validation), one history row per changed field; returns how many changed."""
    old = {k: str(v) for k, v in spec_of(application.values).items()}
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
    spec = spec_of(scheme.spec)
    if principal.role not in spec.get("applicants", []):
        raise ApplicationError("scheme", _("Your role may not apply for this certification."))
    try:
        wanted = int(subject_id)
    except ValueError:
        wanted = -1
    found = await subjects(principal, scheme.subject, wanted)
    if not found:
        raise ApplicationError("subject_id", _("Choose what the application is for."))
    subject = found[0]
    application = Application(
        scheme=scheme.id,
        scheme_version=scheme.version,
        spec=spec,
        subject_kind=scheme.subject,
        subject_id=subject["id"],
        subject_label=str(subject["label"])[:300],
        applicant_enterprise=subject["enterprise"],
        applicant_park=subject["park"],
        district_code=subject["district_code"] or "",
        status=CertificationState.DRAFT,
        values={},
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )
    await application.save()
    await write_changes(principal, application, [("status", "", CertificationState.DRAFT)])
    return application


# -- validation


def _number(raw: str, integer: bool) -> Decimal | None:
    try:
        value = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        return None
    if not value.is_finite() or (integer and value != value.to_integral_value()):
        return None
    return value


def check_field(field: dict, raw: str) -> str | None:
    """The error message for one value, or None."""
    if raw == "":
        return _("This field is required.") if field.get("required", True) else None
    kind = field["type"]
    if kind in ("integer", "decimal", "amount"):  # an amount: a number in the spec's unit
        value = _number(raw, kind == "integer")
        if value is None:
            return _("Enter a whole number.") if kind == "integer" else _("Enter a number.")
        if field.get("min") is not None and value < Decimal(str(field["min"])):
            return _("Enter at least %(min)s.", min=field["min"])
        if field.get("max") is not None and value > Decimal(str(field["max"])):
            return _("Enter at most %(max)s.", max=field["max"])
    elif kind == "text":
        if field.get("max_length") and len(raw) > field["max_length"]:
            return _("Use at most %(n)s characters.", n=field["max_length"])
    elif kind == "date":
        try:
            date.fromisoformat(raw)
        except ValueError:
            return _("Enter a date as YYYY-MM-DD.")
    elif kind == "choice":
        if raw not in field.get("options", []):
            return _("Choose one of the options.")
    elif kind == "boolean" and raw not in ("yes", "no"):
        return _("Answer yes or no.")
    return None


def validate(spec: dict, values: dict[str, str], present_documents: set[str]) -> dict[str, str]:
    errors = {}
    for field in spec.get("fields", []):
        message = check_field(field, values.get(field["key"], ""))
        if message:
            errors[field["key"]] = message
    for document in spec.get("documents", []):
        if document.get("required", True) and document["key"] not in present_documents:
            errors[f"doc:{document['key']}"] = _("Upload this document.")
    return errors
