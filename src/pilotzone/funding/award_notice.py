"""Award public notice (公示) with the certification engine's notice machinery.

Approval puts every new ledger entry under public notice for the program's ``notice_days``
(``notice_until``). Anyone may object during the window, with the same form check and rate limit as
certification (:func:`pilotzone.certification.notices.record_objection`): the entry is then
``objected`` and no payment is possible until the bureau administrator upholds the objection (the
award is revoked: only what was already paid stays awarded, the rest returns to the unallocated
budget) or dismisses it (the notice resumes with the days that were left).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from pilotzone import db
from pilotzone.auth import audit
from pilotzone.auth.guards import BUREAU_ADMIN, PUBLIC, allow
from pilotzone.auth.middleware import request_ip
from pilotzone.auth.principal import Principal, current_principal
from pilotzone.certification.notice_list import PAGE_SIZE, NoticeQuery, keyset, notice_query, page_links
from pilotzone.certification.notices import (
    NoticeError,
    check_objection,
    close_objection,
    now,
    record_objection,
    resumed_until,
)
from pilotzone.funding.application_tables import AwardObjection, LedgerEntry
from pilotzone.funding.applications import as_dict
from pilotzone.funding.tables import Program, ProgramVersion
from pilotzone.web.formats import local_time
from pilotzone.web.i18n import gettext as _
from pilotzone.web.i18n import pick
from pilotzone.web.render import render


async def notice_end(program_id: int) -> datetime | None:
    """When a notice of an award of this program started now ends (None: the program has no notice)."""
    program = await Program.objects().where(Program.id == program_id).first()
    version = (
        await ProgramVersion.objects().where(ProgramVersion.id == program.current_version).first()
        if program and program.current_version
        else None
    )
    days = int(as_dict(version.spec).get("notice_days", 7)) if version else 7
    return now() + timedelta(days=days) if days > 0 else None


def state_sql(alias: str, at: str) -> str:
    """The state of the ledger entries ``alias`` at the moment ``at`` (SQL): the one definition, the
    database function ``pz_award_state`` (a notice whose end has passed is ``awarded``; nothing moves
    it). Pages, payments, objections, exports and the overview's rollups read it."""
    return f"pz_award_state({alias}.status, {alias}.notice_until, {at})"


async def entry_with_state(entry_id: int, at: datetime | None = None) -> dict | None:
    """A ledger entry with its ``state`` at ``at`` (default now; None if not found)."""
    sql = f"SELECT e.*, {state_sql('e', '$2')} AS state FROM ledger_entry e WHERE e.id = $1"  # noqa: S608 - fixed SQL text
    rows = await db.fetch(sql, entry_id, at or now())
    return dict(rows[0]) if rows else None


_COLUMNS = "e.id, e.application, e.subject_label, e.awarded, e.created_at, e.notice_until, e.status, e.program, e.round"


def notices_sql(query: NoticeQuery) -> tuple[str, list]:
    """One page of the awards under notice at ``$1``: the running notices and the paused ones (an
    objection is open), each branch an index range in the page's order, merged and cut to a page."""
    where, order, args = keyset(query, "e", "application", 2)
    branch = (
        f"(SELECT {_COLUMNS} FROM ledger_entry e WHERE %s AND {where} ORDER BY {order} LIMIT {PAGE_SIZE + 1})"  # noqa: S608 - fixed SQL text, values are parameters
    )
    running = branch % "e.status = 'notice' AND e.notice_until > $1"
    paused = branch % "e.status = 'objected'"
    sql = (
        f"SELECT e.*, {state_sql('e', '$1')} AS state, p.name_zh, p.name_en, r.name_zh AS round_zh, r.name_en AS round_en "  # noqa: S608
        f"FROM ({running} UNION ALL {paused}) e JOIN program p ON p.id = e.program JOIN round r ON r.id = e.round "
        f"WHERE {state_sql('e', '$1')} IN ('notice', 'objected') ORDER BY {order} LIMIT {PAGE_SIZE + 1}"
    )
    return sql, [now(), *args]


async def public_awards(query: NoticeQuery, base: str) -> tuple[list[dict], dict[str, str]]:
    """One page of the awards under notice: awardee, application number, program, round, amount and
    period only (nothing private); and the links to the first and the next page."""
    sql, args = notices_sql(query)
    rows = [dict(r) for r in await db.fetch(sql, *args)]
    for row in rows:
        row["program_name"] = pick(row.pop("name_zh"), row.pop("name_en"))
        row["round_name"] = pick(row.pop("round_zh"), row.pop("round_en"))
    return page_links(base, query, rows)


async def public_award(entry_id: int) -> dict | None:
    """One award under notice (or paused by an objection) with what the public page shows of it."""
    sql = (
        "SELECT e.id, e.application, e.subject_label, e.awarded, e.created_at, e.notice_until, "  # noqa: S608 - fixed SQL text
        f"{state_sql('e', '$2')} AS state, p.name_zh, p.name_en, r.name_zh AS round_zh, r.name_en AS round_en "
        "FROM ledger_entry e JOIN program p ON p.id = e.program JOIN round r ON r.id = e.round "
        f"WHERE e.id = $1 AND {state_sql('e', '$2')} IN ('notice', 'objected')"
    )
    rows = [dict(r) for r in await db.fetch(sql, entry_id, now())]
    for row in rows:
        row["program_name"] = pick(row.pop("name_zh"), row.pop("name_en"))
        row["round_name"] = pick(row.pop("round_zh"), row.pop("round_en"))
    return rows[0] if rows else None


async def raise_objection(entry_id: int, form: dict[str, str], ip: str) -> AwardObjection:
    """Record an objection and pause the entry. Raises NoticeError (404, 429, or 400 with a field)."""
    entry = await entry_with_state(entry_id)
    if entry is None or entry["state"] not in ("notice", "objected"):
        raise NoticeError("status", _("This award is not under public notice."), 404)
    objection = await record_objection(AwardObjection, AwardObjection.entry, entry_id, form, ip)
    await LedgerEntry.update({LedgerEntry.status: "objected", LedgerEntry.moved_at: now()}).where(
        (LedgerEntry.id == entry_id) & (LedgerEntry.status == "notice")
    )
    await audit.record(
        "award_objection.raised",
        "ledger_entry",
        entry_id,
        before={"status": entry["state"]},
        after={"status": "objected", "objection": objection.id},
        actor_id=None,
        actor="public",
    )
    return objection


_OBJECTIONS = f"""
SELECT o.id, o.entry, o.name, o.contact, o.reason, o.created_at, o.status, o.resolution_note,
       e.subject_label, e.awarded, {state_sql("e", "$1")} AS entry_status, e.round, p.name_zh, p.name_en
  FROM award_objection o JOIN ledger_entry e ON e.id = o.entry JOIN program p ON p.id = e.program
 ORDER BY (o.status = 'open') DESC, o.id DESC
 LIMIT 500
"""  # noqa: S608 - fixed SQL text


async def objections() -> list[dict]:
    rows = [dict(r) for r in await db.fetch(_OBJECTIONS, now())]
    for row in rows:
        row["program_name"] = pick(row.pop("name_zh"), row.pop("name_en"))
    return rows


async def resolve(principal: Principal, objection_id: int, decision: str, note: str) -> str:
    """Uphold (revoke the unpaid award) or dismiss (resume the notice); returns the entry's status."""
    objection, note = await close_objection(AwardObjection, principal, objection_id, decision, note)
    entry = await LedgerEntry.objects().where(LedgerEntry.id == objection.entry).first()
    assert entry is not None
    status = entry.status
    if entry.status == "objected":
        if decision == "upheld":
            status = "revoked"
            await LedgerEntry.update({LedgerEntry.status: status, LedgerEntry.moved_at: now()}).where(
                LedgerEntry.id == entry.id
            )
        elif not await AwardObjection.exists().where(
            (AwardObjection.entry == entry.id) & (AwardObjection.status == "open")
        ):
            status = "notice"
            await LedgerEntry.update(
                {
                    LedgerEntry.status: status,
                    LedgerEntry.notice_until: resumed_until(entry.moved_at, entry.notice_until),
                    LedgerEntry.moved_at: now(),
                }
            ).where(LedgerEntry.id == entry.id)
    await audit.record(
        f"award_objection.{decision}",
        "ledger_entry",
        entry.id,
        before={"status": entry.status, "objection": objection_id},
        after={"status": status, "note": note},
    )
    return status


# -- pages


async def _form_of(request: Request) -> dict[str, str]:
    data = await request.form()
    return {k: str(data.get(k, "")) for k in data if k != "csrf_token"}


async def _notice_page(request: Request, status: int = 200) -> Template:
    query = notice_query(request.query_params.get("q"), request.query_params.get("after"))
    rows, links = await public_awards(query, f"/z/{request.path_params['slug']}/funding/notices/")
    context = {
        "rows": rows,
        "links": links,
        "q": query.q,
        "request_objected": request.query_params.get("objected") == "1",
        "is_admin": current_principal().role == "bureau_admin",
    }
    return render(request, "funding/notices.html", context, status_code=status)


async def _objection_page(
    request: Request, entry_id: int, form: dict | None = None, errors: dict | None = None, status: int = 200
) -> Template:
    """One award's objection form (its own page: the list stays a light table)."""
    award = await public_award(entry_id)
    if award is None:
        raise NotFoundException(_("This award is not under public notice."))
    slug = request.path_params["slug"]
    period = (
        f"{local_time(award['created_at'], '%Y-%m-%d')} – {local_time(award['notice_until'], '%Y-%m-%d')}"
    )
    context = {
        "item_id": entry_id,
        "action": f"/z/{slug}/funding/notices/{entry_id}/objections",
        "back": f"/z/{slug}/funding/notices/",
        "back_label": _("Public notice of awards"),
        "facts": [
            (_("Application number"), award["application"]),
            (_("Awardee"), award["subject_label"]),
            (_("Program"), award["program_name"]),
            (_("Round"), award["round_name"]),
            (_("Amount (yuan)"), award["awarded"]),
            (_("Notice period"), period),
        ],
        "paused": award["state"] == "objected",
        "form": form or {},
        "errors": errors or {},
    }
    return render(request, "certification/objection.html", context, status_code=status)


async def _objections_page(
    request: Request, errors: dict | None = None, target: int = 0, status: int = 200
) -> Template:
    context = {"rows": await objections(), "errors": errors or {}, "target": target}
    return render(request, "funding/objections.html", context, status_code=status)


class AwardNoticeController(Controller):
    path = "/z/{slug:str}/funding/notices"

    @get("/", name="funding_notices", opt=allow(PUBLIC))
    async def index(self, request: Request) -> Template:
        return await _notice_page(request)

    @get("/{ledger_id:int}/objections", name="funding_objection_form", opt=allow(PUBLIC))
    async def objection_form(self, request: Request, ledger_id: FromPath[int]) -> Template:
        return await _objection_page(request, ledger_id)

    @post("/{ledger_id:int}/objections", name="funding_objection_raise", opt=allow(PUBLIC), status_code=303)
    async def objection_raise(
        self, request: Request, slug: FromPath[str], ledger_id: FromPath[int]
    ) -> Redirect | Template:
        form = await _form_of(request)
        ip = request_ip(request)
        try:
            await raise_objection(ledger_id, form, ip)
        except NoticeError as exc:
            if exc.status == 404:
                raise NotFoundException(exc.message) from None
            errors = {exc.field: exc.message}
            if exc.status == 400:
                errors = check_objection(form) or errors
            return await _objection_page(request, ledger_id, form, errors, exc.status)
        return Redirect(path=f"/z/{slug}/funding/notices/?objected=1", status_code=303)

    @get("/objections", name="funding_objections", opt=allow(BUREAU_ADMIN))
    async def objection_list(self, request: Request) -> Template:
        return await _objections_page(request)

    @post(
        "/objections/{objection_id:int}/resolve",
        name="funding_objection_resolve",
        opt=allow(BUREAU_ADMIN),
        status_code=303,
    )
    async def objection_resolve(
        self, request: Request, slug: FromPath[str], objection_id: FromPath[int]
    ) -> Redirect | Template:
        form = await _form_of(request)
        try:
            await resolve(current_principal(), objection_id, form.get("decision", ""), form.get("note", ""))
        except NoticeError as exc:
            if exc.status == 404:
                raise NotFoundException(exc.message) from None
            return await _objections_page(request, {exc.field: exc.message}, objection_id, exc.status)
        return Redirect(path=f"/z/{slug}/funding/notices/objections", status_code=303)
