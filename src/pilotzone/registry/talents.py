"""Talents (人才): resident ID check character, masking, scoped queries and pages.

The ID number is shown in full only to reviewers (bureau administrator and reviewer, district
reviewer); everyone else sees it masked. A bureau administrator registers a talent for any
enterprise (active at once); an enterprise user for their own enterprise, pending until accepted.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from pilotzone import db
from pilotzone.auth import audit
from pilotzone.auth.dependencies import CurrentPrincipal
from pilotzone.auth.guards import BUREAU_ADMIN, MEMBERS, allow, tenant
from pilotzone.auth.principal import Principal
from pilotzone.registry.forms import TalentForm, entered
from pilotzone.registry.services import RegistryError, decide_pending, role_scope
from pilotzone.registry.tables import TALENT_CATEGORIES, Enterprise, Talent
from pilotzone.tenancy.dependencies import CurrentTenant
from pilotzone.web.forms import URL_ENCODED
from pilotzone.web.i18n import gettext as _
from pilotzone.web.labels import N_
from pilotzone.web.render import Page, page_of, render
from pilotzone.web.urls import url_for

CATEGORY_LABELS = {
    "leading_talent": N_("Leading talent"),
    "shortage_occupation": N_("Shortage occupation"),
    "high_skill": N_("Highly skilled talent"),
}
assert set(CATEGORY_LABELS) == set(TALENT_CATEGORIES)  # noqa: S101 - one list of codes
STATUS_LABELS = {"pending": N_("Pending acceptance"), "active": N_("Active")}
FULL_ID_ROLES = frozenset({"bureau_admin", "bureau_reviewer", "district_reviewer"})
REGISTRARS = tenant("bureau_admin", "enterprise_user")

# -- resident ID number (GB 11643-1999): 17 digits and an ISO 7064 MOD 11-2 check character
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def id_check_char(first17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def id_is_valid(number: str) -> bool:
    number = number.strip().upper()
    return (
        len(number) == 18
        and number[:17].isascii()
        and number[:17].isdigit()
        and id_check_char(number[:17]) == number[17]
    )


def mask_id(number: str) -> str:
    """``440105199001011234`` → ``4401**********1234``."""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def sees_full_id(principal: Principal) -> bool:
    m = principal.acting
    return not principal.province and m is not None and m.role in FULL_ID_ROLES


def category_label(code: str) -> str:
    message = CATEGORY_LABELS.get(code)
    return _(message) if message else code


def status_label(code: str) -> str:
    message = STATUS_LABELS.get(code)
    return _(message) if message else code


# -- services


def talent_scope(principal: Principal) -> tuple[str, list]:
    """Talents employed by enterprises the acting role may see (RLS already limits the tenant)."""
    where, args = role_scope(principal)
    if where in ("TRUE", "FALSE"):
        return where, args
    return f"employer IN (SELECT id FROM enterprise WHERE {where})", args  # noqa: S608 - constant text


async def list_talents(
    principal: Principal, page: int | None, q: str = "", size: int = 20
) -> tuple[Page, list[dict]]:
    where, args = talent_scope(principal)
    if q:
        args = [*args, db.contains(q)]
        where = f"({where}) AND name ILIKE ${len(args)}"
    n = len(args)
    total = (await db.fetch(f"SELECT count(*) FROM talent WHERE {where}", *args))[0][0]  # noqa: S608
    current = page_of(page, size, total)
    rows = await db.fetch(
        "SELECT t.id, t.name, t.id_number, t.category, t.status, e.name AS employer_name "  # noqa: S608
        f"FROM (SELECT * FROM talent WHERE {where} ORDER BY id LIMIT ${n + 1} OFFSET ${n + 2}) t "
        "JOIN enterprise e ON e.id = t.employer ORDER BY t.id",
        *args,
        current.size,
        current.offset,
    )
    full = sees_full_id(principal)
    result = []
    for row in rows:
        item = dict(row)
        item["id_shown"] = item["id_number"] if full else mask_id(item["id_number"])
        del item["id_number"]
        item["category_label"] = category_label(item["category"])
        item["status_label"] = status_label(item["status"])
        result.append(item)
    return current, result


async def visible_talent(principal: Principal, talent_id: int) -> Talent | None:
    talent = await Talent.objects().where(Talent.id == talent_id).first()
    if talent is None:
        return None
    employer = await Enterprise.objects().where(Enterprise.id == talent.employer).first()
    if employer is None or not principal.sees_enterprise(employer.id, employer.park, employer.district_code):
        return None
    return talent


async def create_talent(principal: Principal, form: TalentForm) -> Talent:
    """Validate and save; a bureau administrator's registration is active, an enterprise's pending."""
    m = principal.acting
    if m is not None and m.role == "enterprise_user":
        employer_id, status = m.enterprise_id, "pending"
    else:
        employer_id, status = _int(form.employer_id), "active"
    employer = (
        await Enterprise.objects()
        .where((Enterprise.id == (employer_id or -1)) & (Enterprise.status == "active"))
        .first()
    )
    if employer is None or not principal.sees_enterprise(employer.id, employer.park, employer.district_code):
        raise RegistryError("employer_id", N_("Choose an enterprise of this pilot zone."))
    name = form.name.strip()
    if not 2 <= len(name) <= 100:
        raise RegistryError("name", N_("Enter the person's name."))
    number = form.id_number.strip().upper()
    if not id_is_valid(number):
        raise RegistryError(
            "id_number", N_("This is not a valid resident ID number (18 characters, check character).")
        )
    if await Talent.exists().where(Talent.id_number == number):
        raise RegistryError("id_number", N_("A talent with this ID number is already registered here."))
    category = form.category
    if category not in TALENT_CATEGORIES:
        raise RegistryError("category", N_("Choose a talent category."))
    talent = Talent(name=name, id_number=number, employer=employer.id, category=category, status=status)
    await talent.save()
    return talent


def _int(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


# -- pages


class TalentController(Controller):
    path = "/z/{slug:str}/talents"

    @get("/", name="talents", opt=allow(MEMBERS))
    async def index(
        self,
        request: Request,
        principal: CurrentPrincipal,
        page: FromQuery[int | None] = None,
        q: FromQuery[str] = "",
    ) -> Template:
        return await _list_page(request, principal, page, q.strip())

    @post("/", name="talent_create", opt=allow(REGISTRARS), status_code=303)
    async def create(
        self,
        request: Request,
        principal: CurrentPrincipal,
        tenant: CurrentTenant,
        data: Annotated[TalentForm, URL_ENCODED],
    ) -> Redirect | Template:
        try:
            talent = await create_talent(principal, data)
        except RegistryError as exc:
            errors = {exc.field: _(exc.message)}
            return await _list_page(
                request, principal, None, "", form=entered(data), errors=errors, status=400
            )
        await audit.record(
            "talent.created",
            "talent",
            talent.id,
            after={
                "name": talent.name,
                "id_number": mask_id(talent.id_number),  # the audit log does not keep the full number
                "employer": talent.employer,
                "category": talent.category,
                "status": talent.status,
            },
        )
        return Redirect(
            path=url_for(request, "talent", slug=tenant.slug, talent_id=talent.id), status_code=303
        )

    @get("/{talent_id:int}", name="talent", opt=allow(MEMBERS))
    async def detail(
        self, request: Request, principal: CurrentPrincipal, talent_id: FromPath[int]
    ) -> Template:
        talent = await visible_talent(principal, talent_id)
        if talent is None:
            raise NotFoundException("talent not found")
        employer = await Enterprise.objects().where(Enterprise.id == talent.employer).first()
        return render(
            request,
            "registry/talent.html",
            {
                "talent": talent,
                "employer": employer,
                "id_shown": talent.id_number if sees_full_id(principal) else mask_id(talent.id_number),
                "category_label": category_label(talent.category),
                "status_label": status_label(talent.status),
            },
        )

    @post("/{talent_id:int}/accept", name="talent_accept", opt=allow(BUREAU_ADMIN), status_code=303)
    async def accept(
        self, request: Request, principal: CurrentPrincipal, tenant: CurrentTenant, talent_id: FromPath[int]
    ) -> Redirect:
        talent = await visible_talent(principal, talent_id)
        if talent is None:
            raise NotFoundException("talent not found")
        await decide_pending(Talent, talent.id, "active", "talent.accepted", "talent")
        return Redirect(
            path=url_for(request, "talent", slug=tenant.slug, talent_id=talent.id), status_code=303
        )


async def _list_page(
    request: Request,
    principal: Principal,
    page: int | None,
    q: str,
    form: dict | None = None,
    errors: dict | None = None,
    status: int = 200,
) -> Template:
    current, rows = await list_talents(principal, page, q)
    enterprises = []
    if principal.role == "bureau_admin":
        enterprises = await (
            Enterprise.select(Enterprise.id, Enterprise.name)
            .where(Enterprise.status == "active")
            .order_by(Enterprise.id)
        )
    context = {
        "page": current,
        "talents": rows,
        "q": q,
        "enterprises": enterprises,
        "category_choices": [(code, category_label(code)) for code in TALENT_CATEGORIES],
        "form": form or {},
        "errors": errors or {},
    }
    return render(
        request,
        "registry/talents.html",
        context,
        partial="registry/partials/talents.html",
        status_code=status,
    )
