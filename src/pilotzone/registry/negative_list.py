"""Credit negative list (信用负面清单): entries per enterprise, kept by bureau administrators.

An entry applies on day ``d`` when ``valid_from <= d``, ``valid_until`` is NULL or ``>= d``, and it
was not ended on or before ``d`` (``ended_on``). Ending keeps the row (and who ended it, and why).
Other packages (the funding engine) ask :func:`active_negative_entry` / :func:`active_negative_entries`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from piccolo.columns.combination import Combinable

from pilotzone import db
from pilotzone.auth import audit
from pilotzone.auth.dependencies import CurrentPrincipal
from pilotzone.auth.guards import BUREAU_ADMIN, allow, tenant
from pilotzone.auth.principal import Principal
from pilotzone.registry.forms import EndEntryForm, NegativeEntryForm, entered
from pilotzone.registry.services import RegistryError, text_field
from pilotzone.registry.tables import Enterprise, NegativeListEntry
from pilotzone.tenancy.dependencies import CurrentTenant
from pilotzone.web.deadlines import tenant_today
from pilotzone.web.forms import URL_ENCODED
from pilotzone.web.i18n import gettext as _
from pilotzone.web.labels import N_
from pilotzone.web.render import Page, page_of, render
from pilotzone.web.urls import url_for

READERS = tenant("bureau_admin", "bureau_reviewer")
STATES = ("current", "ended", "all")


def _applies(on: date) -> Combinable:
    e = NegativeListEntry
    return (
        (e.valid_from <= on)
        & (e.valid_until.is_null() | (e.valid_until >= on))
        & (e.ended_on.is_null() | (e.ended_on > on))
    )


async def active_negative_entry(enterprise_id: int, on: date) -> NegativeListEntry | None:
    """The entry that puts the enterprise on the negative list on ``on`` (the latest one), or None."""
    return (
        await NegativeListEntry.objects()
        .where((NegativeListEntry.enterprise == enterprise_id) & _applies(on))
        .order_by(NegativeListEntry.valid_from, NegativeListEntry.id, ascending=False)
        .first()
    )


async def active_negative_entries(enterprise_ids: Sequence[int], on: date) -> dict[int, NegativeListEntry]:
    """For each listed enterprise on the negative list on ``on``, its latest entry (one query)."""
    ids = sorted(set(enterprise_ids))
    if not ids:
        return {}
    rows = (
        await NegativeListEntry.objects()
        .where(NegativeListEntry.enterprise.is_in(ids) & _applies(on))
        .order_by(NegativeListEntry.valid_from, NegativeListEntry.id, ascending=False)
    )
    found: dict[int, NegativeListEntry] = {}
    for row in rows:
        found.setdefault(row.enterprise, row)
    return found


async def entries_of(enterprise_id: int) -> list[NegativeListEntry]:
    return (
        await NegativeListEntry.objects()
        .where(NegativeListEntry.enterprise == enterprise_id)
        .order_by(NegativeListEntry.valid_from, NegativeListEntry.id, ascending=False)
    )


_CURRENT = "(n.valid_until IS NULL OR n.valid_until >= {d}) AND (n.ended_on IS NULL OR n.ended_on > {d})"


async def list_entries(
    page: int | None, q: str = "", state: str = "current", size: int = 50
) -> tuple[Page, list[dict]]:
    """Entries with their enterprise: ``current`` (not expired or ended by today), ``ended``, ``all``."""
    args: list = [tenant_today()]
    current_sql = _CURRENT.format(d="$1")
    where = {"current": current_sql, "ended": f"NOT ({current_sql})"}.get(state, "$1::date IS NOT NULL")
    if q:
        args.append(db.contains(q))
        where += (
            f" AND (e.name ILIKE ${len(args)} OR e.uscc ILIKE ${len(args)} OR n.source ILIKE ${len(args)})"
        )
    base = f"FROM negative_list_entry n JOIN enterprise e ON e.id = n.enterprise WHERE {where}"
    total = (await db.fetch(f"SELECT count(*) {base}", *args))[0][0]  # noqa: S608 - constant text
    current = page_of(page, size, total)
    rows = await db.fetch(
        "SELECT n.id, n.enterprise, n.reason, n.source, n.valid_from, n.valid_until, n.ended_on, n.end_reason, "  # noqa: S608
        f"e.name AS enterprise_name, e.uscc, ({current_sql}) AS current "
        f"{base} ORDER BY n.valid_from DESC, n.id DESC LIMIT {current.size} OFFSET {current.offset}",
        *args,
    )
    return current, [dict(r) for r in rows]


def _date(value: str, field: str, required: bool) -> date | None:
    value = value.strip()
    if not value and not required:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RegistryError(field, N_("Enter a date as YYYY-MM-DD.")) from None


async def add_entry(principal: Principal, form: NegativeEntryForm) -> NegativeListEntry:
    code = form.uscc.strip().upper()
    enterprise = (
        await Enterprise.objects().where((Enterprise.uscc == code) & (Enterprise.status == "active")).first()
    )
    if enterprise is None:
        raise RegistryError("uscc", N_("No enterprise of this pilot zone has this credit code."))
    reason = text_field(form.reason, "reason", 2, 2000, N_("Give the reason (2 to 2000 characters)."))
    source = text_field(
        form.source, "source", 2, 200, N_("Name the source, e.g. the list or decision it comes from.")
    )
    valid_from = _date(form.valid_from, "valid_from", required=True)
    valid_until = _date(form.valid_until, "valid_until", required=False)
    assert valid_from is not None
    if valid_until is not None and valid_until < valid_from:
        raise RegistryError("valid_until", N_("The end date lies before the start date."))
    entry = NegativeListEntry(
        enterprise=enterprise.id,
        reason=reason,
        source=source,
        valid_from=valid_from,
        valid_until=valid_until,
        created_by=principal.user_id,
    )
    await entry.save()
    await audit.record(
        "negative_list.added",
        "negative_list_entry",
        entry.id,
        after={
            "enterprise": enterprise.id,
            "uscc": enterprise.uscc,
            "reason": reason,
            "source": source,
            "valid_from": valid_from.isoformat(),
            "valid_until": valid_until.isoformat() if valid_until else None,
        },
    )
    return entry


async def end_entry(principal: Principal, entry_id: int, reason: str) -> bool:
    """Ends the entry today (it no longer applies from today on); False when it had ended already."""
    today = tenant_today()
    done = (
        await NegativeListEntry.update(
            {
                NegativeListEntry.ended_on: today,
                NegativeListEntry.ended_by: principal.user_id,
                NegativeListEntry.end_reason: reason.strip()[:1000],
            }
        )
        .where((NegativeListEntry.id == entry_id) & NegativeListEntry.ended_on.is_null())
        .returning(NegativeListEntry.id)
    )
    if done:
        await audit.record(
            "negative_list.ended",
            "negative_list_entry",
            entry_id,
            before={"ended_on": None},
            after={"ended_on": today.isoformat(), "end_reason": reason.strip()[:1000]},
        )
    return bool(done)


# -- page


class NegativeListController(Controller):
    path = "/z/{slug:str}/negative-list"

    @get("/", name="negative_list", opt=allow(READERS))
    async def index(
        self,
        request: Request,
        page: FromQuery[int | None] = None,
        q: FromQuery[str] = "",
        show: FromQuery[str] = "current",
    ) -> Template:
        return await _page(request, page, q.strip(), show)

    @post("/", name="negative_list_add", opt=allow(BUREAU_ADMIN), status_code=303)
    async def add(
        self,
        request: Request,
        principal: CurrentPrincipal,
        tenant: CurrentTenant,
        data: Annotated[NegativeEntryForm, URL_ENCODED],
    ) -> Redirect | Template:
        try:
            await add_entry(principal, data)
        except RegistryError as exc:
            errors = {exc.field: _(exc.message)}
            return await _page(request, None, "", "current", form=entered(data), errors=errors, status=400)
        return Redirect(path=url_for(request, "negative_list", slug=tenant.slug), status_code=303)

    @post("/{entry_id:int}/end", name="negative_list_end", opt=allow(BUREAU_ADMIN), status_code=303)
    async def end(
        self,
        request: Request,
        principal: CurrentPrincipal,
        tenant: CurrentTenant,
        entry_id: FromPath[int],
        data: Annotated[EndEntryForm, URL_ENCODED],
    ) -> Redirect:
        if not await NegativeListEntry.exists().where(NegativeListEntry.id == entry_id):
            raise NotFoundException("entry not found")
        await end_entry(principal, entry_id, data.end_reason)
        return Redirect(
            path=url_for(request, "negative_list", slug=tenant.slug) + "?show=all", status_code=303
        )


async def _page(
    request: Request,
    page: int | None,
    q: str,
    state: str,
    form: dict | None = None,
    errors: dict | None = None,
    status: int = 200,
) -> Template:
    state = state if state in STATES else "current"
    current, rows = await list_entries(page, q, state)
    context = {
        "page": current,
        "entries": rows,
        "q": q,
        "state": state,
        "form": form or {},
        "errors": errors or {},
        "today": tenant_today(),
    }
    return render(
        request,
        "registry/negative_list.html",
        context,
        partial="registry/partials/negative_list.html",
        status_code=status,
    )
