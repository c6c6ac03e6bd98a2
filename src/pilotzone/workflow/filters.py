"""Filters of the lists of submissions (certification and funding applications) and of what they led
to (certificates, awards, payments): state, kind (a scheme or program key), round, district, dates
(submitted / decided between) and a search by number, name or unified social credit code.

The query string arrives as text (:class:`FilterQuery`, a Litestar dependency: ``?state=…&since=…``);
:func:`parse` turns it into the typed :class:`Filters` against the choices the list offers and says,
per field, what is wrong (a bad value is a field error on the page, the rest of the filter still
applies). :func:`where` writes the SQL of a list over ``submission`` (alias ``s``); names and credit
codes are found through the registry's gram index (``registry.services.enterprise_search``): under
RLS a LIKE is never an index condition, the gram lookup is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Annotated, TypeAlias
from urllib.parse import urlencode

import msgspec
from litestar import Request
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, QueryParameter

from pilotzone import db
from pilotzone.auth.principal import Principal
from pilotzone.registry.services import enterprise_search, tenant_narrowing_grams
from pilotzone.tenancy.middleware import current_tenant_districts
from pilotzone.web.formats import TZ
from pilotzone.web.i18n import gettext as _
from pilotzone.web.i18n import pick
from pilotzone.web.render import Page, is_htmx, page_of
from pilotzone.workflow import due

PAGE_SIZE = 20
DATES = ("since", "until", "decided_since", "decided_until")


class FilterQuery(msgspec.Struct, frozen=True, kw_only=True):
    """The filter as the query string gives it (text: a wrong value must come back as a field error)."""

    q: str = ""
    state: str = ""
    kind: str = ""
    round: str = ""
    district: str = ""
    since: str = ""
    until: str = ""
    decided_since: str = ""
    decided_until: str = ""
    page: str = ""


async def filter_query(
    q: FromQuery[str] = "",
    status: Annotated[str, QueryParameter(name="state")] = "",
    kind: FromQuery[str] = "",
    round_id: Annotated[str, QueryParameter(name="round")] = "",
    district: FromQuery[str] = "",
    since: FromQuery[str] = "",
    until: FromQuery[str] = "",
    decided_since: FromQuery[str] = "",
    decided_until: FromQuery[str] = "",
    page: FromQuery[str] = "",
) -> FilterQuery:
    """The Litestar dependency a filtered list takes (``dependencies={"listing": LISTING}``)."""
    return FilterQuery(
        q=q,
        state=status,
        kind=kind,
        round=round_id,
        district=district,
        since=since,
        until=until,
        decided_since=decided_since,
        decided_until=decided_until,
        page=page,
    )


LISTING = Provide(filter_query)


# ``listing: Listing`` in a handler's signature, ``dependencies={"listing": LISTING}`` on its route
Listing: TypeAlias = NamedDependency[FilterQuery]


class Filters(msgspec.Struct, frozen=True, kw_only=True):
    """A list's filter, typed and checked: empty / None where not given (or given wrong)."""

    q: str = ""
    state: str = ""
    kind: str = ""
    round: int | None = None
    district: str = ""
    since: date | None = None
    until: date | None = None
    decided_since: date | None = None
    decided_until: date | None = None
    page: int = 1

    @property
    def active(self) -> bool:
        return any(getattr(self, name) not in ("", None) for name in self.__struct_fields__ if name != "page")

    def query(self) -> str:
        """The filter as a query string without the page ("&"-prefixed, for the pager's links)."""
        pairs = [
            (name, value.isoformat() if isinstance(value, date) else str(value))
            for name in self.__struct_fields__
            if name != "page" and (value := getattr(self, name)) not in ("", None)
        ]
        return "&" + urlencode(pairs) if pairs else ""


@dataclass
class Choices:
    """What a list offers, each option as (value, label): the form shows the labels, :func:`parse`
    accepts the values. An empty list: the list has no such filter."""

    states: list[tuple[str, str]] = field(default_factory=list)
    kinds: list[tuple[str, str]] = field(default_factory=list)
    rounds: list[tuple[str, str]] = field(default_factory=list)
    districts: list[tuple[str, str]] = field(default_factory=list)
    kind_label: str = ""  # "Scheme" or "Program"
    dates: bool = True  # the "since"/"until" pair
    decided: bool = True  # the "decided_since"/"decided_until" pair
    date_labels: tuple[str, ...] = ()  # instead of "Submitted from" / "until" (e.g. issued, paid)


def _date(raw: str) -> date:
    return msgspec.convert(raw.strip(), date)


def parse(raw: FilterQuery, choices: Choices) -> tuple[Filters, dict[str, str]]:
    """The typed filter and the field errors (field → message); a wrong field is left out."""
    errors: dict[str, str] = {}
    values: dict[str, object] = {"q": raw.q.strip()[:100]}
    for name, offered in (
        ("state", choices.states),
        ("kind", choices.kinds),
        ("round", choices.rounds),
        ("district", choices.districts),
    ):
        given = getattr(raw, name).strip()
        if not given:
            continue
        if given not in {value for value, _label in offered}:
            errors[name] = _("Choose one of the options.")
        else:
            values[name] = int(given) if name == "round" else given
    for name in DATES:
        given = getattr(raw, name).strip()
        if given:
            try:
                values[name] = _date(given)
            except msgspec.ValidationError:
                errors[name] = _("Enter a date as YYYY-MM-DD.")
    for low, high in (("since", "until"), ("decided_since", "decided_until")):
        start, end = values.get(low), values.get(high)
        if isinstance(start, date) and isinstance(end, date) and start > end:
            errors[high] = _("The end date is before the start date.")
            del values[high]
    try:
        values["page"] = min(max(int(raw.page or "1"), 1), 2**31 - 1)
    except ValueError:
        values["page"] = 1
    return msgspec.convert(values, Filters), errors


def filter_context(raw: FilterQuery, choices: Choices, chosen: Filters, errors: dict[str, str]) -> dict:
    """What the list template's filter form needs (``macros/list_filter.html``)."""
    return {"raw": msgspec.structs.asdict(raw), "choices": choices, "filters": chosen, "filter_errors": errors}


def filter_status(request: Request, errors: dict[str, str]) -> int:
    """400 for a page with a wrong filter value; an htmx request gets 200 (htmx swaps no 4xx answer) and
    the fragment with the field error."""
    return 400 if errors and not is_htmx(request) else 200


def day_start(day: date) -> datetime:
    """The start of ``day`` in the pilot zones' zone (Asia/Shanghai), a moment to compare with UTC columns."""
    return datetime.combine(day, time.min, tzinfo=TZ)


class Sql:
    """Conditions and their arguments ($1 … in the order added)."""

    def __init__(self, args: list | None = None) -> None:
        self.args: list = list(args or [])
        self.parts: list[str] = []

    def arg(self, value: object) -> str:
        self.args.append(value)
        return f"${len(self.args)}"

    def add(self, condition: str) -> None:
        self.parts.append(condition)

    def between(self, column: str, start: date | None, end: date | None) -> None:
        """``column`` (a timestamptz) on the days from ``start`` to ``end`` (Beijing time, both included)."""
        if start is not None:
            self.add(f"{column} >= {self.arg(day_start(start))}")
        if end is not None:
            self.add(f"{column} < {self.arg(day_start(end + timedelta(days=1)))}")

    @property
    def where(self) -> str:
        return " AND ".join(f"({p})" for p in self.parts) or "TRUE"


def scope(sql: Sql, principal: Principal, alias: str = "s") -> None:
    """Narrow to the submissions ``principal`` may list (``workflow.scope.scoped`` in SQL)."""
    m = principal.acting
    if principal.province or (m and m.role in ("bureau_admin", "bureau_reviewer")):
        return
    if m and m.role == "district_reviewer":
        sql.add(f"{alias}.district_code = {sql.arg(m.district_code)}")
    elif m and m.role == "park_operator" and m.park_id is not None:
        sql.add(f"{alias}.applicant_park = {sql.arg(m.park_id)}")
    elif m and m.role == "enterprise_user" and m.enterprise_id is not None:
        sql.add(f"{alias}.applicant_enterprise = {sql.arg(m.enterprise_id)}")
    else:
        sql.add("FALSE")


async def search(sql: Sql, q: str, alias: str = "s", number: str = "") -> None:
    """Submissions numbered ``q`` (a number of up to 9 digits is an application number), else those
    whose applicant's name or credit code contains it: an enterprise through the gram index, a park
    (applying itself) by its names; ``number``: a column that may also equal ``q`` (a certificate's)."""
    if not q:
        return
    if q.isdigit() and len(q) < 10:
        sql.add(f"{alias}.id = {sql.arg(int(q))}")
        return
    grams = await tenant_narrowing_grams(q)
    inner, sql.args = enterprise_search("TRUE", sql.args, q, grams)
    park = sql.arg(db.contains(q))
    found = (
        f"{alias}.applicant_enterprise IN (SELECT enterprise.id FROM enterprise WHERE {inner})"  # noqa: S608
        f" OR ({alias}.applicant_enterprise IS NULL AND {alias}.applicant_park IN "
        f"(SELECT id FROM park WHERE name_zh ILIKE {park} OR name_en ILIKE {park}))"
    )
    if number:
        found += f" OR {number} = {sql.arg(q)}"
    sql.add(found)


async def subjects(
    filters: Filters, principal: Principal, alias: str = "s", sql: Sql | None = None, number: str = ""
) -> Sql:
    """The conditions every list over submissions shares: scope, district, search (a list of what
    submissions led to, e.g. certificates or awards, joins its submission as ``alias``; ``sql``: the
    conditions so far, ``number``: see :func:`search`)."""
    sql = sql or Sql()
    scope(sql, principal, alias)
    if filters.district:
        sql.add(f"{alias}.district_code = {sql.arg(filters.district)}")
    await search(sql, filters.q, alias, number)
    return sql


async def narrowed(sql: Sql, filters: Filters, alias: str = "s") -> None:
    """A review queue's filter (its scope is its stage's): district and search."""
    if filters.district:
        sql.add(f"{alias}.district_code = {sql.arg(filters.district)}")
    await search(sql, filters.q, alias)


async def where(
    filters: Filters, principal: Principal, kind: str, decided: tuple[str, ...], alias: str = "s"
) -> Sql:
    """The conditions of a list of submissions of ``kind``: scope, district, search, state, dates
    (decided: the submission entered one of the ``decided`` states in the range). The kind's own
    columns (scheme, program, round) are the caller's to add."""
    sql = await subjects(filters, principal, alias)
    sql.add(f"{alias}.kind = {sql.arg(kind)}")
    if filters.state:
        sql.add(f"{alias}.status = {sql.arg(filters.state)}")
    sql.between(f"{alias}.submitted_at", filters.since, filters.until)
    if filters.decided_since or filters.decided_until:
        sql.add(f"{alias}.status = ANY({sql.arg(list(decided))}::text[])")
        sql.between(f"{alias}.moved_at", filters.decided_since, filters.decided_until)
    return sql


def district_choices() -> list[tuple[str, str]]:
    """The request's tenant's districts as options, named in the page's language."""
    return [(code, pick(*names)) for code, names in current_tenant_districts().items()]


async def page_rows(sql: Sql, chosen: Filters, from_sql: str, page_sql: str) -> tuple[Page, list[dict]]:
    """One page of a filtered list of submissions: the count (``SELECT count(*)`` + ``from_sql``), the
    page's rows (``page_sql`` with ``{where}``, ``{limit}``, ``{offset}``), each with its district's name
    and, while an information request waits for its answer, the request's due date."""
    total = (await db.fetch("SELECT count(*)" + from_sql.format(where=sql.where), *sql.args))[0][0]
    page = page_of(chosen.page, PAGE_SIZE, total)
    n = len(sql.args)
    query = page_sql.format(where=sql.where, limit=f"${n + 1}", offset=f"${n + 2}")
    rows = [dict(r) for r in await db.fetch(query, *sql.args, page.size, page.offset)]
    districts = dict(district_choices())
    dues = await due.due_of([r["id"] for r in rows])
    for row in rows:
        row["due"] = dues.get(row["id"])
        row["district"] = districts.get(row["district_code"], row["district_code"])
    return page, rows
