"""Registry queries. RLS scopes every query to the request's tenant."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation

from pilotzone import db
from pilotzone.auth import audit
from pilotzone.auth.principal import Principal
from pilotzone.registry import uscc
from pilotzone.registry.codes import ParkKind
from pilotzone.registry.forms import EnterpriseForm
from pilotzone.registry.tables import Enterprise, OverseasWarehouse, Park, Talent
from pilotzone.tenancy.context import current_tenant_id
from pilotzone.tenancy.middleware import current_tenant_districts
from pilotzone.web.i18n import pick
from pilotzone.web.labels import N_, label
from pilotzone.web.render import Page, page_of

PARK_PAGE_SIZE = 20
# The list page is the hot path: one statement on the request transaction (RLS adds the tenant
# predicate). The total and the page come back together (one round trip), and the page is chosen
# among ids first: with no text filter that is an index-only scan of (tenant_id, status, id) where the
# policy's tenant test is an index condition, evaluated once, and only the 50 rows shown are read from
# the table. (Reading and skipping 5,000 rows of the table instead, with the policy evaluated on each,
# took 1.3 ms of the database per page instead of 0.3 ms in bench/pages.py.)
_PARK_ACTIVE = "status = 'active'"
_PARK_MATCHES = "status = 'active' AND (name_zh ILIKE $3 OR name_en ILIKE $3)"
_PARK_PAGE = """
WITH total AS (SELECT count(*) AS n FROM park WHERE {where})
SELECT total.n AS total, p.id, p.key, p.name_zh, p.name_en, p.kind, p.district_code, p.status
  FROM total LEFT JOIN LATERAL (
       SELECT id, key, name_zh, name_en, kind, district_code, status FROM park
        WHERE id = ANY(ARRAY(
              SELECT id FROM park WHERE {where} ORDER BY id LIMIT $1
              OFFSET (LEAST(GREATEST($2::int, 1), GREATEST(1, (total.n + $1 - 1) / $1)) - 1) * $1))
        ORDER BY id) AS p ON true
"""  # the page number is clamped as web.render.page_of clamps it (past the end: the last page)
_PARK_LIST = _PARK_PAGE.format(where=_PARK_ACTIVE)
_PARK_SEARCH = _PARK_PAGE.format(where=_PARK_MATCHES)


async def list_parks(page: int | None, q: str = "", size: int = PARK_PAGE_SIZE) -> tuple[Page, list[dict]]:
    """One page of the tenant's parks, each row with its display texts in the request's language."""
    number = min(max(page or 1, 1), 2**31 - 1)  # an int4 for the statement; clamped again below
    if q:
        records = await db.fetch(_PARK_SEARCH, size, number, db.contains(q))
    else:
        records = await db.fetch(_PARK_LIST, size, number)
    current = page_of(page, size, records[0]["total"])
    rows = [dict(r) for r in records if r["id"] is not None]
    for row in rows:
        del row["total"]
    return current, with_display_names(rows)


def with_display_names(rows: list[dict]) -> list[dict]:
    """Name, kind and district in the current language, computed once here instead of per cell in
    the template (the list page is the hot path)."""
    districts = current_tenant_districts()
    for row in rows:
        row["name"] = pick(row["name_zh"], row["name_en"])
        row["kind_label"] = label(ParkKind, row["kind"])
        names = districts.get(row["district_code"])
        row["district"] = pick(*names) if names else row["district_code"]
    return rows


async def get_park(park_id: int) -> Park | None:
    return await Park.objects().where(Park.id == park_id).first()


async def get_enterprise(enterprise_id: int) -> Enterprise | None:
    return await Enterprise.objects().where(Enterprise.id == enterprise_id).first()


BUREAU_ROLES = ("bureau_admin", "bureau_reviewer")


def role_scope(principal: Principal) -> tuple[str, list]:
    """SQL condition limiting enterprises to what the acting role may see (RLS already limits the tenant)."""
    m = principal.acting
    if principal.province or (m and m.role in BUREAU_ROLES):
        return "TRUE", []
    if m and m.role == "district_reviewer":
        return "district_code = $1", [m.district_code]
    if m and m.role == "park_operator":
        return "park = $1", [m.park_id]
    if m and m.role == "enterprise_user":
        return "id = $1", [m.enterprise_id]
    return "FALSE", []


def enterprise_scope(principal: Principal) -> tuple[str, list]:
    """Active enterprises within the acting role's scope (pending and rejected registrations are
    only in the bureau's queue)."""
    where, args = role_scope(principal)
    if where == "FALSE":
        return where, args
    return ("status = 'active'" if where == "TRUE" else f"status = 'active' AND {where}"), args


def sees_registration(principal: Principal) -> bool:
    """Pending and rejected parks and enterprises: bureau roles of the tenant only."""
    m = principal.acting
    return not principal.province and m is not None and m.role in BUREAU_ROLES


def search_grams(text: str) -> list[str]:
    """The distinct 2- and 3-character grams of ``text``: what ``pz_search_grams()`` stores for an
    enterprise's ``search_text``."""
    pairs = {text[i : i + 2] for i in range(len(text) - 1)}
    return sorted(pairs | {text[i : i + 3] for i in range(len(text) - 2)})


def query_grams(text: str) -> list[str]:
    """The grams of a query worth looking up: its 3-character grams (a text that contains each of them
    contains its 2-character ones too, and they are far rarer), or its one 2-character gram."""
    size = 3 if len(text) >= 3 else 2
    return sorted({text[i : i + size] for i in range(len(text) - size + 1)})


GRAM_CAP = 1000  # a gram in at least this many of the tenant's enterprises does not narrow enough
COMMON_FACTOR = 5  # ... but when every gram is that common, the two rarest below 5 × GRAM_CAP intersect
MAX_GRAMS = 12  # grams of a long query that are counted (any subset narrows correctly)
_GRAM_COUNTS = (
    "SELECT q.g, (SELECT count(*) FROM (SELECT 1 FROM enterprise_search_gram s WHERE s.gram = q.g LIMIT $2) AS hit) "
    "AS n FROM unnest($1::text[]) AS q(g)"
)


async def narrowing_grams(fetch: Callable[..., Awaitable[list]], q: str, cap: int = GRAM_CAP) -> list[str]:
    """The grams of ``q`` (:func:`query_grams`) worth looking up: each found in fewer than ``cap``
    enterprises of the tenant (counted up to ``cap``, index-only scans, for at most ``MAX_GRAMS``
    grams). When every gram is that common (e.g. 有限公 and 限公司), the two rarest still below
    ``COMMON_FACTOR × cap`` are intersected: reading their entries costs less than the LIKE over all
    the tenant's rows. None when no gram is below even that. ``fetch`` runs a query (``db.fetch``)."""
    grams = query_grams(q.lower())[:MAX_GRAMS]
    if not grams:
        return []
    rare = sorted(r["g"] for r in await fetch(_GRAM_COUNTS, grams, cap) if r["n"] < cap)
    if rare:
        return rare
    counts = await fetch(_GRAM_COUNTS, grams, cap * COMMON_FACTOR)  # only when every gram is common
    usable = sorted((r["n"], r["g"]) for r in counts if r["n"] < cap * COMMON_FACTOR)
    return sorted(g for _, g in usable[:2])


NARROWING_SECONDS = 60.0  # how long a process reuses the grams it chose for a query in a tenant
NARROWING_ENTRIES = 4096
_narrowing: dict[tuple[int, str], tuple[float, list[str]]] = {}


async def tenant_narrowing_grams(q: str) -> list[str]:
    """:func:`narrowing_grams` for the request's tenant, remembered for ``NARROWING_SECONDS`` per
    tenant and query: a repeated search (paging, the same word typed again) skips the counting round
    trip. The grams only choose the candidates the LIKE then decides among, so grams chosen from
    counts a minute old still give exactly the matching enterprises (at worst more candidates)."""
    tenant = current_tenant_id(required=False)
    if tenant is None:
        return await narrowing_grams(db.fetch, q)
    key, now = (tenant, q.lower()), time.monotonic()
    hit = _narrowing.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    grams = await narrowing_grams(db.fetch, q)
    if len(_narrowing) >= NARROWING_ENTRIES:
        _narrowing.clear()
    _narrowing[key] = (now + NARROWING_SECONDS, grams)
    return grams


def enterprise_search(where: str, args: list, q: str, grams: list[str]) -> tuple[str, list]:
    """``where``/``args`` narrowed to enterprises whose ``search_text`` contains ``q`` (lower-cased).

    ``search_text`` is ``lower(name || ' ' || uscc)``, generated by the database. Under RLS a LIKE is
    never an index condition (it is not leakproof), so with ``grams`` (:func:`narrowing_grams`, all
    of them 2- or 3-character pieces of ``q``) the candidates are the enterprises that have every one of
    them (``enterprise_search_gram``, looked up by equality: an index scan), and the LIKE decides
    among those few; the grams only narrow. Without grams (one character, or only common grams):
    the LIKE alone, a scan of the tenant's rows."""
    text = q.lower()
    if grams:
        args = [*args, grams, len(grams)]
        where = (
            f"({where}) AND enterprise.id = ANY(ARRAY(SELECT enterprise_id FROM enterprise_search_gram "  # noqa: S608
            f"WHERE gram = ANY(${len(args) - 1}::text[]) GROUP BY enterprise_id HAVING count(*) = ${len(args)}))"
        )
    args = [*args, db.contains(text)]
    return f"({where}) AND search_text LIKE ${len(args)}", args


_ENTERPRISE_COLUMNS = "id, name, uscc, park, district_code, credit_status"


def enterprise_list_query(where: str, args: list, q: str, grams: list[str]) -> tuple[str, str | None, list]:
    """The list page's queries: (page SQL, count SQL or None, arguments but LIMIT and OFFSET).

    With a filter the page query carries the total (``count(*) OVER ()`` over the few candidates);
    without one the window would read every row in scope, so the total is its own count (an
    index-only scan) and the page reads 20 rows."""
    if not q:
        n = len(args)
        page = f"SELECT {_ENTERPRISE_COLUMNS} FROM enterprise WHERE {where} ORDER BY id LIMIT ${n + 1} OFFSET ${n + 2}"  # noqa: S608
        return page, f"SELECT count(*) FROM enterprise WHERE {where}", args  # noqa: S608
    where, args = enterprise_search(where, args, q, grams)
    n = len(args)
    sql = (
        f"SELECT {_ENTERPRISE_COLUMNS}, count(*) OVER () AS total "  # noqa: S608
        f"FROM enterprise WHERE {where} ORDER BY id LIMIT ${n + 1} OFFSET ${n + 2}"
    )
    return sql, None, args


async def list_enterprises(
    principal: Principal, page: int | None, q: str = "", size: int = 20
) -> tuple[Page, list[dict]]:
    """One page of the active enterprises in scope, filtered by part of the name or credit code
    (:func:`enterprise_search`), with the total (:func:`enterprise_list_query`); a filtered page
    past the end asks again for the last one."""
    where, args = enterprise_scope(principal)
    grams = await tenant_narrowing_grams(q) if q else []
    sql, count_sql, args = enterprise_list_query(where, args, q, grams)
    if count_sql is not None:
        total = (await db.fetch(count_sql, *args))[0][0]
        current = page_of(page, size, total)
        rows = await db.fetch(sql, *args, current.size, current.offset)
    else:
        wanted = max(page or 1, 1)
        rows = await db.fetch(sql, *args, size, (wanted - 1) * size)
        if rows:
            total = rows[0]["total"]
        else:
            count = sql.split(" FROM ", 1)[1].rsplit(" ORDER BY ", 1)[0]
            total = (await db.fetch(f"SELECT count(*) FROM {count}", *args))[0][0]  # noqa: S608
        current = page_of(page, size, total)
        if not rows and total:  # past the last page: page_of chose the last one
            rows = await db.fetch(sql, *args, current.size, current.offset)
    districts = current_tenant_districts()
    result = []
    for row in rows:
        item = dict(row)
        item.pop("total", None)
        names = districts.get(item["district_code"])
        item["district"] = pick(*names) if names else item["district_code"]
        result.append(item)
    return current, result


PARK_MEMBERS_SHOWN = 100


async def enterprises_of_park(principal: Principal, park_id: int) -> dict:
    """The active enterprises of a park that the acting role may see: the first ones and how many."""
    where, args = enterprise_scope(principal)
    args = [*args, park_id]
    where = f"({where}) AND park = ${len(args)}"
    total = (await db.fetch(f"SELECT count(*) FROM enterprise WHERE {where}", *args))[0][0]  # noqa: S608
    rows = await db.fetch(
        f"SELECT id, name, uscc FROM enterprise WHERE {where} ORDER BY name, id LIMIT {PARK_MEMBERS_SHOWN}",  # noqa: S608
        *args,
    )
    return {"total": total, "rows": [dict(r) for r in rows]}


class RegistryError(Exception):
    """``field`` names the form field; ``message`` is an English msgid."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


MAX_AREA = Decimal("9999999999.99")
_AREA_MESSAGES = {
    "floor_area": (
        N_("Enter the floor area in square metres."),
        N_("The floor area must be more than 0 m²."),
        N_("Give the floor area to at most two decimal places."),
    ),
    "area": (
        N_("Enter the area in square metres."),
        N_("The area must be more than 0 m²."),
        N_("Give the area to at most two decimal places."),
    ),
}


def parse_area(value: str, field: str) -> Decimal:
    """An area in m² (> 0, at most two decimals) as Decimal; ``field`` is ``floor_area`` or ``area``."""
    missing, not_positive, too_precise = _AREA_MESSAGES[field]
    try:
        area = Decimal(value.strip().replace(",", ""))
    except InvalidOperation:
        raise RegistryError(field, missing) from None
    if not area.is_finite() or area <= 0 or area > MAX_AREA:
        raise RegistryError(field, not_positive)
    if area != area.quantize(Decimal("0.01")):
        raise RegistryError(field, too_precise)
    return area.quantize(Decimal("0.01"))


def text_field(value: str, field: str, low: int, high: int, message: str) -> str:
    """``value`` stripped, ``low`` to ``high`` characters long, or the ``field``'s error ``message``."""
    value = value.strip()
    if not low <= len(value) <= high:
        raise RegistryError(field, message)
    return value


async def enterprise_fields(form: EnterpriseForm) -> dict:
    """Name, credit code (check digit, not yet registered here), optional active park, district."""
    name = text_field(form.name, "name", 2, 200, N_("Enter the enterprise's registered name."))
    code = form.uscc.strip().upper()
    if not uscc.is_valid(code):
        raise RegistryError(
            "uscc", N_("This is not a valid unified social credit code (18 characters, check digit).")
        )
    # two registrations of one code at once: the second waits here and then sees the first
    await db.fetch("SELECT pg_advisory_xact_lock(hashtextextended('uscc:' || $1, 0))", code)
    if await Enterprise.exists().where((Enterprise.uscc == code) & (Enterprise.status != "rejected")):
        raise RegistryError("uscc", N_("An enterprise with this credit code is already registered here."))
    park = None
    if form.park_id:
        park = await Park.objects().where((Park.id == _int(form.park_id)) & (Park.status == "active")).first()
        if park is None:
            raise RegistryError("park_id", N_("Choose a park of this pilot zone."))
    district = form.district_code or (park.district_code if park else "")
    if district not in current_tenant_districts():
        raise RegistryError("district_code", N_("Choose a district of this pilot zone."))
    if park is not None and park.district_code and park.district_code != district:
        raise RegistryError("district_code", N_("The park lies in another district."))
    return {"name": name, "uscc": code, "park": park.id if park else None, "district_code": district}


async def create_enterprise(form: EnterpriseForm) -> Enterprise:
    """A bureau registers an enterprise: name, credit code (check digit), district, optional park."""
    enterprise = Enterprise(**await enterprise_fields(form), source="bureau", status="active")
    await enterprise.save()
    return enterprise


async def decide_pending(
    table: type[Park | Enterprise | OverseasWarehouse | Talent],
    row_id: int,
    status: str,
    action: str,
    object_type: str,
    values: dict | None = None,
) -> bool:
    """``pending`` → ``status`` in one conditional update (a second click changes nothing), audited;
    False when the row was not pending. ``values``: more columns to set (name → value)."""
    changes = {table.status: status, **{getattr(table, k): v for k, v in (values or {}).items()}}
    done = (
        await table.update(changes)
        .where((table.id == row_id) & (table.status == "pending"))
        .returning(table.id)
    )
    if not done:
        return False
    after = {"status": status, **{k: v for k, v in (values or {}).items() if k != "decided_at"}}
    await audit.record(action, object_type, row_id, before={"status": "pending"}, after=after)
    return True


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return -1
