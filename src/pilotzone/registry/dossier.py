"""What the registry knows about one enterprise or park, for its file (一企一档, composed by
``pilotzone.dossier``), and the bureau's search for an enterprise or park by name or credit code.

Who may open a file: the bureau (admin, reviewers), a district reviewer only for a subject of its
district, provincial staff (read); :func:`may_open` decides. Rows are msgspec Structs."""

from __future__ import annotations

from datetime import date, datetime

import msgspec

from pilotzone import db
from pilotzone.auth.principal import Principal
from pilotzone.codes import Coded
from pilotzone.registry.codes import ParkKind
from pilotzone.registry.services import enterprise_search, tenant_narrowing_grams
from pilotzone.registry.tables import Enterprise, NegativeListEntry, OverseasWarehouse, Park, Talent
from pilotzone.tenancy.middleware import current_tenant_districts
from pilotzone.web.i18n import pick
from pilotzone.web.labels import label
from pilotzone.workflow.states import Kind, RegistrationState
from pilotzone.workflow.tables import Submission

FILE_ROLES = ("bureau_admin", "bureau_reviewer", "district_reviewer")
FOUND_LIMIT = 50


class SubjectStatus(Coded):
    """The status of a park, enterprise, warehouse or talent row."""

    ACTIVE = "active", "有效", "Active"
    PENDING = "pending", "待确认", "Pending acceptance"
    REJECTED = "rejected", "已驳回", "Rejected"
    RETIRED = "retired", "已撤销", "Retired"


class Profile(msgspec.Struct, frozen=True, kw_only=True):
    """An enterprise or park as the registry holds it."""

    kind: str  # enterprise | park
    id: int
    name: str
    uscc: str = ""
    status: str
    district_code: str
    district: str
    park_id: int | None = None
    park_name: str = ""
    kind_label: str = ""  # a park's kind
    business_scope: str = ""
    contact: str = ""
    address: str = ""
    credit_status: str = ""

    @property
    def status_label(self) -> str:
        return label(SubjectStatus, self.status)


class Registration(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    status_label: str
    created_at: datetime
    moved_at: datetime | None


class NegativeEntry(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    reason: str
    source: str
    valid_from: date
    valid_until: date | None
    ended_on: date | None
    in_force: bool


class Related(msgspec.Struct, frozen=True, kw_only=True):
    """A warehouse or talent of an enterprise, or an enterprise of a park."""

    kind: str
    id: int
    name: str
    status: str

    @property
    def status_label(self) -> str:
        return label(SubjectStatus, self.status)


class Found(msgspec.Struct, frozen=True, kw_only=True):
    """A search result: an enterprise or a park."""

    kind: str
    id: int
    name: str
    uscc: str
    district: str


def _district(code: str) -> str:
    names = current_tenant_districts().get(code)
    return pick(*names) if names else code


def may_open(principal: Principal, district_code: str) -> bool:
    """Whether ``principal`` may open the file of a subject in ``district_code``."""
    if principal.province:
        return True
    m = principal.acting
    if m is None or m.role not in FILE_ROLES:
        return False
    return m.role != "district_reviewer" or m.district_code == district_code


async def profile(kind: str, subject_id: int) -> Profile | None:
    """The enterprise or park ``subject_id`` (None: not in this tenant)."""
    if kind == "enterprise":
        e = await Enterprise.objects().where(Enterprise.id == subject_id).first()
        if e is None:
            return None
        park = await Park.select(Park.name_zh, Park.name_en).where(Park.id == e.park).first() if e.park else None
        return Profile(
            kind=kind,
            id=e.id,
            name=e.name,
            uscc=e.uscc,
            status=e.status,
            district_code=e.district_code,
            district=_district(e.district_code),
            park_id=e.park,
            park_name=pick(park["name_zh"], park["name_en"]) if park else "",
            business_scope=e.business_scope,
            contact=" · ".join(x for x in (e.contact_name, e.contact_phone, e.contact_email) if x),
            credit_status=e.credit_status,
        )
    if kind == "park":
        p = await Park.objects().where(Park.id == subject_id).first()
        if p is None:
            return None
        return Profile(
            kind=kind,
            id=p.id,
            name=pick(p.name_zh, p.name_en),
            status=p.status,
            district_code=p.district_code,
            district=_district(p.district_code),
            kind_label=label(ParkKind, p.kind),
            contact=" · ".join(x for x in (p.contact_name, p.contact_phone, p.contact_email) if x),
            address=p.address,
        )
    return None


async def registrations(kind: str, subject_id: int) -> list[Registration]:
    """The subject's self-registrations (submissions of kind registration) and their state."""
    s = Submission
    rows = await s.select(s.id, s.status, s.created_at, s.moved_at).where(
        (s.kind == Kind.REGISTRATION.value) & (s.subject_kind == kind) & (s.subject_id == subject_id)
    ).order_by(s.id)
    return [
        Registration(
            id=r["id"],
            status_label=label(RegistrationState(r["status"])),
            created_at=r["created_at"],
            moved_at=r["moved_at"],
        )
        for r in rows
    ]


async def negative_entries(enterprise_id: int, today: date) -> list[NegativeEntry]:
    """The enterprise's entries on the credit negative list, newest first, whether each is in force."""
    n = NegativeListEntry
    rows = await n.objects().where(n.enterprise == enterprise_id).order_by(n.valid_from, n.id, ascending=False)
    return [
        NegativeEntry(
            id=e.id,
            reason=e.reason,
            source=e.source,
            valid_from=e.valid_from,
            valid_until=e.valid_until,
            ended_on=e.ended_on,
            in_force=e.valid_from <= today
            and (e.valid_until is None or e.valid_until >= today)
            and (e.ended_on is None or e.ended_on > today),
        )
        for e in rows
    ]


async def related(kind: str, subject_id: int) -> list[Related]:
    """An enterprise's overseas warehouses and talents; a park's enterprises."""
    if kind == "park":
        rows = await Enterprise.select(Enterprise.id, Enterprise.name, Enterprise.status).where(
            Enterprise.park == subject_id
        ).order_by(Enterprise.name).limit(200)
        return [Related(kind="enterprise", id=r["id"], name=r["name"], status=r["status"]) for r in rows]
    w, t = OverseasWarehouse, Talent
    houses = await w.select(w.id, w.country, w.city, w.address, w.status).where(w.enterprise == subject_id)
    people = await t.select(t.id, t.name, t.status).where(t.employer == subject_id)
    return [
        *(
            Related(kind="overseas_warehouse", id=r["id"], name=f"{r['country']} {r['city']} {r['address']}", status=r["status"])
            for r in houses
        ),
        *(Related(kind="talent", id=r["id"], name=r["name"], status=r["status"]) for r in people),
    ]


async def documents_owned(kind: str, subject_id: int) -> list[tuple[str, int]]:
    """The (owner kind, id) pairs of the registry's documents about the subject: itself, and an
    enterprise's warehouses and talents."""
    owned = [(kind, subject_id)]
    if kind == "enterprise":
        owned += [(r.kind, r.id) for r in await related(kind, subject_id)]
    return owned


async def find(principal: Principal, q: str) -> list[Found]:
    """Active and pending enterprises and parks whose name or credit code contains ``q`` (enterprises
    through the gram index), within the files ``principal`` may open; enterprises first."""
    q = q.strip()[:100]
    m = principal.acting
    if not q or not (principal.province or (m and m.role in FILE_ROLES)):
        return []
    args: list = []
    where = "status <> 'rejected'"
    if m is not None and m.role == "district_reviewer" and not principal.province:
        args.append(m.district_code)
        where += f" AND district_code = ${len(args)}"
    grams = await tenant_narrowing_grams(q)
    found, args_e = enterprise_search(where, args, q, grams)
    enterprises = await db.fetch(
        f"SELECT id, name, uscc, district_code FROM enterprise WHERE {found} ORDER BY name, id LIMIT {FOUND_LIMIT}",  # noqa: S608
        *args_e,
    )
    args_p = [*args, db.contains(q)]
    n = len(args_p)
    parks = await db.fetch(
        f"SELECT id, name_zh, name_en, district_code FROM park WHERE {where} "  # noqa: S608
        f"AND (name_zh ILIKE ${n} OR name_en ILIKE ${n} OR key ILIKE ${n}) ORDER BY name_zh, id LIMIT {FOUND_LIMIT}",
        *args_p,
    )
    return [
        *(
            Found(kind="enterprise", id=r["id"], name=r["name"], uscc=r["uscc"], district=_district(r["district_code"]))
            for r in enterprises
        ),
        *(
            Found(
                kind="park", id=r["id"], name=pick(r["name_zh"], r["name_en"]), uscc="", district=_district(r["district_code"])
            )
            for r in parks
        ),
    ]
