"""Award public notice (公示) with the workflow engine's notice and objection machinery.

Approval puts every new ledger entry under public notice for the program's ``notice_days``: a
``notice`` row of kind ``award`` (``workflow.tables.Notice``) of its application's submission, whose
``notice_until`` is the window; the state stays on the entry (``ledger_entry.status``). Anyone may object during the window, with the same form check and rate limit as
certification (:mod:`pilotzone.workflow.objections`): the entry is then
``objected`` and no payment is possible until the bureau administrator upholds the objection (the
award is revoked: only what was already paid stays awarded, the rest returns to the unallocated
budget) or dismisses it (the notice resumes with the days that were left).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pilotzone import db
from pilotzone.auth.principal import Principal
from pilotzone.funding.application_tables import LedgerEntry
from pilotzone.funding.program_spec import from_stored
from pilotzone.funding.tables import Program, ProgramVersion
from pilotzone.web.i18n import gettext as _
from pilotzone.web.i18n import pick
from pilotzone.web.labels import N_
from pilotzone.workflow import notice_pages as pages
from pilotzone.workflow import objections as objecting
from pilotzone.workflow.forms import ObjectionForm
from pilotzone.workflow.notice_list import PAGE_SIZE, NoticeQuery, keyset, page_links
from pilotzone.workflow.notice_pages import NoticePages
from pilotzone.workflow.objections import Noticed, NoticeError, now
from pilotzone.workflow.states import AwardState, Kind
from pilotzone.workflow.tables import Objection

NOTICE = Noticed(Kind.AWARD, LedgerEntry, LedgerEntry.application, "award_objection", "ledger_entry")


async def notice_end(program_id: int) -> datetime | None:
    """When a notice of an award of this program started now ends (None: the program has no notice)."""
    program = await Program.objects().where(Program.id == program_id).first()
    version = (
        await ProgramVersion.objects().where(ProgramVersion.id == program.current_version).first()
        if program and program.current_version
        else None
    )
    days = from_stored(version.spec if version else None).notice_days
    return now() + timedelta(days=days) if days > 0 else None


def notice_join(entry: str = "e", notice: str = "n") -> str:
    """The join of the ledger entries ``entry`` to their award notice ``notice`` (SQL; an entry without
    a notice, from before notices or of a program without one, has no window: NULL)."""
    return (
        f"LEFT JOIN notice {notice} ON {notice}.kind = '{Kind.AWARD.value}' "
        f"AND {notice}.submission = {entry}.application AND {notice}.tenant_id = {entry}.tenant_id"
    )


def state_sql(entry: str, at: str, notice: str = "n") -> str:
    """The state of the ledger entries ``entry`` at the moment ``at`` (SQL), their notice joined as
    ``notice`` (:func:`notice_join`): the one definition, the database function ``pz_award_state`` (a
    notice whose end has passed is ``awarded``; nothing moves it). Pages, payments, objections, exports
    and the overview's rollups read it."""
    return f"pz_award_state({entry}.status, {notice}.notice_until, {at})"


def row_state_sql(entry: str, at: str) -> str:
    """:func:`state_sql` of the one ledger entry ``entry`` without a join (its notice's end read by a
    subquery: an ``UPDATE`` of the entry rechecks it on the row it locks)."""
    until = (
        f"(SELECT n.notice_until FROM notice n WHERE n.kind = '{Kind.AWARD.value}' "  # noqa: S608 - fixed SQL text
        f"AND n.submission = {entry}.application AND n.tenant_id = {entry}.tenant_id)"
    )
    return f"pz_award_state({entry}.status, {until}, {at})"


async def entry_with_state(entry_id: int, at: datetime | None = None) -> dict | None:
    """A ledger entry with its notice's end (``notice_until``) and its ``state`` at ``at`` (default
    now; None if not found)."""
    sql = (
        f"SELECT e.*, n.notice_until, {state_sql('e', '$2')} AS state FROM ledger_entry e {notice_join()}"  # noqa: S608 - fixed SQL text
        " WHERE e.id = $1"
    )
    rows = await db.fetch(sql, entry_id, at or now())
    return dict(rows[0]) if rows else None


# a page's rows: the notice's (its id: the page's cursor) and its entry's
_COLUMNS = (
    "n.id, n.submission, n.subject_label, n.notice_until, e.id AS entry_id, e.application, e.awarded, "
    "e.created_at, e.status, e.program, e.round"
)


def notices_sql(query: NoticeQuery) -> tuple[str, list]:
    """One page of the awards under notice at ``$1``: the running notices (an index range of
    ``notice`` in the page's order) and the paused ones (an objection is open: the entries ``objected``),
    merged and cut to a page."""
    where, order, args = keyset(query, "n", "submission", 2)
    branch = (
        f"(SELECT {_COLUMNS} FROM notice n JOIN ledger_entry e ON e.application = n.submission "  # noqa: S608 - fixed SQL text, values are parameters
        f"AND e.tenant_id = n.tenant_id WHERE n.kind = '{Kind.AWARD.value}' AND %s AND {where} "
        f"ORDER BY {order} LIMIT {PAGE_SIZE + 1})"
    )
    running = branch % "e.status = 'notice' AND n.notice_until > $1"
    paused = branch % "e.status = 'objected'"
    state = state_sql("n", "$1")  # the merged rows carry the entry's status and the notice's end
    sql = (
        f"SELECT n.entry_id AS id, n.application, n.subject_label, n.awarded, n.created_at, n.notice_until, "  # noqa: S608
        f"n.id AS notice_id, {state} AS state, p.name_zh, p.name_en, r.name_zh AS round_zh, "
        f"r.name_en AS round_en FROM ({running} UNION ALL {paused}) n "
        "JOIN program p ON p.id = n.program JOIN round r ON r.id = n.round "
        f"WHERE {state} IN ('notice', 'objected') ORDER BY {order} LIMIT {PAGE_SIZE + 1}"
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
        "SELECT e.id, e.application, e.subject_label, e.awarded, e.created_at, n.notice_until, "  # noqa: S608 - fixed SQL text
        f"{state_sql('e', '$2')} AS state, p.name_zh, p.name_en, r.name_zh AS round_zh, r.name_en AS round_en "
        f"FROM ledger_entry e {notice_join()} JOIN program p ON p.id = e.program JOIN round r ON r.id = e.round "
        f"WHERE e.id = $1 AND n.id IS NOT NULL AND {state_sql('e', '$2')} IN ('notice', 'objected')"
    )
    rows = [dict(r) for r in await db.fetch(sql, entry_id, now())]
    for row in rows:
        row["program_name"] = pick(row.pop("name_zh"), row.pop("name_en"))
        row["round_name"] = pick(row.pop("round_zh"), row.pop("round_en"))
    return rows[0] if rows else None


async def raise_objection(entry_id: int, form: ObjectionForm, ip: str) -> Objection:
    """Record an objection to the entry's notice and pause the entry. Raises NoticeError (404, 429, or
    400 with a field)."""
    entry = await entry_with_state(entry_id)
    notice = await objecting.notice_of(Kind.AWARD, entry["application"]) if entry is not None else None
    if entry is None or notice is None or entry["state"] not in (AwardState.NOTICE, AwardState.OBJECTED):
        raise NoticeError("status", _("This award is not under public notice."), 404)
    return await objecting.raise_objection(NOTICE, notice, entry_id, entry["status"], entry["state"], form, ip)


_OBJECTIONS = f"""
SELECT o.id, e.id AS entry, o.name, o.contact, o.reason, o.created_at, o.status, o.resolution_note,
       e.subject_label, e.awarded, {state_sql("e", "$1")} AS entry_status, e.round, p.name_zh, p.name_en
  FROM objection o JOIN notice n ON n.id = o.notice AND n.tenant_id = o.tenant_id
  JOIN ledger_entry e ON e.application = n.submission AND e.tenant_id = n.tenant_id
  JOIN program p ON p.id = e.program
 WHERE n.kind = '{Kind.AWARD.value}'
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
    return await objecting.settle(NOTICE, principal, objection_id, decision, note)


# -- pages


_FACTS = (
    (N_("Application number"), "application"),
    (N_("Awardee"), "subject_label"),
    (N_("Program"), "program_name"),
    (N_("Round"), "round_name"),
    (N_("Amount (yuan)"), "awarded"),
)


PAGES = NoticePages(
    path="funding/notices",
    templates="funding",
    back_label=N_("Public notice of awards"),
    gone=N_("This award is not under public notice."),
    listing=public_awards,
    item=pages.items(public_award, _FACTS, start="created_at", state="state", paused=AwardState.OBJECTED),
    raise_objection=raise_objection,
    resolve=resolve,
    objections=objections,
    prefix="funding_",
    item_param="ledger_id",
)


class AwardNoticeController(pages.notice_controller(PAGES)):  # type: ignore[misc]  # a made class
    """The award notice's pages: list, objection form, raise, the bureau's objections, resolve."""
