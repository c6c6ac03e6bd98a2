"""Self-registration of parks and enterprises and the bureau's decision on it.

Anyone may register a park or an enterprise of a pilot zone through its public form (at most
``RATE_LIMIT`` registrations per hour and IP address in one pilot zone). A registration is a
submission of kind ``registration`` (``workflow.tables.Submission``: the new park or enterprise is
its subject and applicant, ``values`` the fields as registered) in ``pending``; the new row waits
in ``pending`` too: only bureau roles see it, nothing counts it as active. A bureau administrator
accepts the submission (``active``; the completion hook activates the row and an invitation for a
park_operator / enterprise_user membership goes to the contact email, its link shown once to the
administrator) or rejects it with a reason (``rejected``: the row too, the reason kept on it and in
the submission's history).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pilotzone import db
from pilotzone.auth import audit
from pilotzone.auth import services as auth_services
from pilotzone.auth.admin_services import Invitation
from pilotzone.auth.principal import Principal
from pilotzone.registry.forms import ContactForm, EnterpriseForm, ParkForm
from pilotzone.registry.services import (
    RegistryError,
    enterprise_fields,
    parse_area,
    text_field,
)
from pilotzone.registry.tables import PARK_KINDS, Enterprise, Park
from pilotzone.tenancy.context import current_tenant_id
from pilotzone.tenancy.middleware import current_tenant_districts
from pilotzone.web.i18n import pick
from pilotzone.web.labels import N_
from pilotzone.workflow import submissions
from pilotzone.workflow.states import Action, Kind, RegistrationState
from pilotzone.workflow.tables import Submission
from pilotzone.workflow.transitions import INITIAL, Refused, actors_of, move_row

PENDING = INITIAL[Kind.REGISTRATION][0]
RATE_LIMIT = 5  # registrations (parks and enterprises together) per IP address, pilot zone and hour
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 -]{5,19}$")


class TooManyRegistrations(RegistryError):
    def __init__(self) -> None:
        super().__init__("form", N_("Too many registrations from your address. Try again in an hour."))


def contact_fields(form: ContactForm) -> dict[str, str]:
    name = text_field(form.contact_name, "contact_name", 2, 100, N_("Enter the contact person's name."))
    phone = form.contact_phone.strip()
    if not _PHONE.match(phone):
        raise RegistryError("contact_phone", N_("Enter a valid phone number."))
    email = form.contact_email.strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise RegistryError("contact_email", N_("Enter a valid email address."))
    return {"contact_name": name, "contact_phone": phone, "contact_email": email}


async def check_rate(ip: str) -> None:
    since = datetime.now(UTC) - timedelta(hours=1)
    sql = (
        "SELECT (SELECT count(*) FROM enterprise WHERE registration_ip = $1 AND created_at > $2)"
        " + (SELECT count(*) FROM park WHERE registration_ip = $1 AND created_at > $2)"
    )
    if (await db.fetch(sql, ip[:64], since))[0][0] >= RATE_LIMIT:
        raise TooManyRegistrations


def _pending(ip: str) -> dict[str, Any]:
    """The columns of a public registration waiting for the bureau."""
    return {"status": PENDING, "source": "registration", "registration_ip": ip[:64]}


def _text(values: dict[str, Any]) -> dict[str, str]:
    return {k: "" if v is None else str(v) for k, v in values.items()}


async def _registered(kind: str, row: Enterprise | Park, fields: dict[str, Any], label: str) -> None:
    """Store the new row and its registration (a pending submission, by the public), audited."""
    await row.save()
    subject = {
        "subject_kind": kind,
        "subject_id": row.id,
        "subject_label": label[:300],
        "applicant_enterprise": row.id if isinstance(row, Enterprise) else None,
        "applicant_park": row.park if isinstance(row, Enterprise) else row.id,
        "district_code": row.district_code or "",
    }
    contacts = {k: getattr(row, k) for k in ("contact_name", "contact_phone", "contact_email")}
    await submissions.start(Kind.REGISTRATION, subject, None, values=_text({**fields, **contacts}))
    after = {**fields, "status": PENDING}
    await audit.record(f"{kind}.registered", kind, row.id, after=after, actor_id=None, actor="public")


async def register_enterprise(form: EnterpriseForm, ip: str) -> Enterprise:
    """A pending enterprise from the public form (validated like the bureau's, plus scope and contacts)."""
    await check_rate(ip)
    fields = await enterprise_fields(form)
    scope = text_field(
        form.business_scope,
        "business_scope",
        2,
        2000,
        N_("Describe the business scope (2 to 2000 characters)."),
    )
    values: dict[str, Any] = {**fields, **contact_fields(form), **_pending(ip)}
    enterprise = Enterprise(**values, business_scope=scope)
    await _registered("enterprise", enterprise, {**fields, "business_scope": scope}, fields["name"])
    return enterprise


def park_fields(form: ParkForm) -> dict:
    name = text_field(form.name_zh, "name_zh", 2, 200, N_("Enter the park's name."))
    kind = form.kind
    if kind not in PARK_KINDS:
        raise RegistryError("kind", N_("Choose the type of park."))
    district = form.district_code
    if district not in current_tenant_districts():
        raise RegistryError("district_code", N_("Choose a district of this pilot zone."))
    operator = text_field(form.operator, "operator", 2, 200, N_("Enter the operating organisation."))
    address = text_field(form.address, "address", 3, 300, N_("Enter the park's address."))
    area = parse_area(form.area, "area")
    return {
        "name_zh": name,
        "kind": kind,
        "district_code": district,
        "operator": operator,
        "address": address,
        "area": area,
    }


async def register_park(form: ParkForm, ip: str) -> Park:
    await check_rate(ip)
    fields = park_fields(form)
    values: dict[str, Any] = {**fields, **contact_fields(form), **_pending(ip)}
    park = Park(key=f"reg-{secrets.token_hex(8)}", **values)
    await _registered("park", park, {**fields, "area": str(fields["area"])}, fields["name_zh"])
    return park


async def create_park(form: ParkForm) -> Park:
    """A bureau administrator adds a park: the fields of the public form, active at once, audited."""
    fields = {**park_fields(form), **contact_fields(form)}
    park = Park(
        key=f"bureau-{secrets.token_hex(8)}", **fields, status=RegistrationState.ACTIVE, source="bureau"
    )
    await park.save()
    await audit.record(
        "park.created",
        "park",
        park.id,
        after={**fields, "area": str(fields["area"]), "status": RegistrationState.ACTIVE},
    )
    return park


# -- the bureau's queue and decisions

_QUEUE = f"""
SELECT s.subject_kind AS kind, s.subject_id AS id, s.subject_label AS name,
       coalesce(s."values"->>'uscc', '') AS code, s.district_code,
       coalesce(s."values"->>'contact_name', '') AS contact_name, s.created_at
  FROM submission s
 WHERE s.kind = '{Kind.REGISTRATION.value}' AND s.status = '{PENDING}'
 ORDER BY s.created_at, s.id
 LIMIT 500
"""  # noqa: S608 - fixed SQL text


async def pending_count(kind: str) -> int:
    """How many registrations of a ``kind`` ('park' or 'enterprise') wait for the bureau."""
    sql = "SELECT count(*) FROM submission WHERE kind = $1 AND status = $2 AND subject_kind = $3"
    return (await db.fetch(sql, Kind.REGISTRATION.value, str(PENDING), kind))[0][0]


async def pending_queue() -> list[dict]:
    """The registrations waiting for the bureau, oldest first: kind, id (of the park or enterprise),
    name, code, district, contact person, when."""
    districts = current_tenant_districts()
    rows = [dict(r) for r in await db.fetch(_QUEUE)]
    for row in rows:
        names = districts.get(row["district_code"])
        row["district"] = pick(*names) if names else row["district_code"]
    return rows


async def registration_of(kind: str, row_id: int) -> Submission | None:
    """The (latest) registration submission of the park or enterprise ``row_id``."""
    return (
        await Submission.objects()
        .where(
            (Submission.kind == Kind.REGISTRATION.value)
            & (Submission.subject_kind == kind)
            & (Submission.subject_id == row_id)
        )
        .order_by(Submission.id, ascending=False)
        .first()
    )


async def _decide(principal: Principal, row: Enterprise | Park, action: Action, values: dict) -> bool:
    """The registration pending → accepted or rejected through the workflow engine (one conditional
    update: a second click changes nothing), its history written; then the completion hook: the park
    or enterprise takes the same status (with ``values``), audited. False when it was not pending."""
    kind = "enterprise" if isinstance(row, Enterprise) else "park"
    table = Enterprise if kind == "enterprise" else Park
    registration = await registration_of(kind, row.id)
    if registration is None:
        return False
    try:
        moved = await move_row(
            Kind.REGISTRATION,
            registration,
            action,
            actors_of(principal, covers=True),
            changes={Submission.updated_by: principal.user_id},
        )
    except Refused:
        return False
    target = str(moved.target)
    noted = [(k, "", str(v)) for k, v in values.items() if k == "reject_reason"]
    await submissions.write_changes(
        principal, registration.id, [("status", str(registration.status), target), *noted]
    )
    changes = {table.status: target, **{getattr(table, k): v for k, v in values.items()}}
    await table.update(changes).where((table.id == row.id) & (table.status == str(PENDING)))
    after = {"status": moved.target, **{k: v for k, v in values.items() if k != "decided_at"}}
    verb = "accepted" if action is Action.ACCEPT else "rejected"
    await audit.record(f"{kind}.{verb}", kind, row.id, before={"status": row.status}, after=after)
    return True


async def accept(
    principal: Principal, row: Enterprise | Park, link_of: Callable[[str], str]
) -> Invitation | None:
    """Pending → active and an invitation to the contact email (``link_of(token)``: its path); None when
    it was not pending."""
    if not await _decide(principal, row, Action.ACCEPT, {"decided_at": datetime.now(UTC)}):
        return None
    grant = (
        {"role": "enterprise_user", "enterprise_id": row.id}
        if isinstance(row, Enterprise)
        else {"role": "park_operator", "park_id": row.id}
    )
    link = await auth_services.issue_invitation(
        row.contact_email, current_tenant_id(), grant, principal.user_id
    )
    return Invitation(row.contact_email, link_of(link.token))


async def reject(principal: Principal, row: Enterprise | Park, reason: str) -> bool:
    reason = reason.strip()
    if not 2 <= len(reason) <= 1000:
        raise RegistryError("reason", N_("Give the reason for the rejection (2 to 1000 characters)."))
    values = {"reject_reason": reason, "decided_at": datetime.now(UTC)}
    return await _decide(principal, row, Action.REJECT, values)
