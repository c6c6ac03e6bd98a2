"""The lists of awards (ledger entries) and payments across rounds, with the filter of every list
(``workflow.filters``): state as it stands (``award_notice.state_sql``), program, round, district,
approved / paid between, number, awardee's name or credit code; 20 a page, newest first. Everybody
lists what their scope covers (the submission's applicant), as on the application list."""

from __future__ import annotations

from datetime import UTC, datetime

from litestar import Controller, Request, get
from litestar.response import Template

from pilotzone import db
from pilotzone.auth.guards import MEMBERS, allow
from pilotzone.auth.principal import Principal, current_principal
from pilotzone.funding.application_list import program_choices
from pilotzone.funding.award_notice import notice_join, state_sql
from pilotzone.web.i18n import gettext as _
from pilotzone.web.i18n import pick
from pilotzone.web.labels import label
from pilotzone.web.render import Page, page_of, render
from pilotzone.workflow import filters
from pilotzone.workflow.filters import LISTING, Listing, filter_context, filter_status, parse
from pilotzone.workflow.states import AwardState

_AWARDS_FROM = """
  FROM ledger_entry e {join}
  JOIN submission s ON s.id = e.application AND s.tenant_id = e.tenant_id
  JOIN program p ON p.id = e.program AND p.tenant_id = e.tenant_id
  JOIN round r ON r.id = e.round AND r.tenant_id = e.tenant_id
 WHERE {where}"""
_AWARDS = """
SELECT e.id, e.application, e.round, e.subject_label, e.awarded, e.paid, e.created_at, {state} AS state,
       s.district_code, p.name_zh AS p_zh, p.name_en AS p_en, r.name_zh AS r_zh, r.name_en AS r_en"""
_PAYMENTS_FROM = """
  FROM payment pm
  JOIN ledger_entry e ON e.id = pm.entry AND e.tenant_id = pm.tenant_id
  JOIN submission s ON s.id = e.application AND s.tenant_id = e.tenant_id
  JOIN program p ON p.id = e.program AND p.tenant_id = e.tenant_id
  JOIN round r ON r.id = e.round AND r.tenant_id = e.tenant_id
 WHERE {where}"""
_PAYMENTS = """
SELECT pm.id, pm.amount, pm.voucher, pm.paid_on, pm.recorded_by_email, e.application, e.round, e.subject_label,
       s.district_code, p.name_zh AS p_zh, p.name_en AS p_en, r.name_zh AS r_zh, r.name_en AS r_en"""


async def choices(states: bool, dates: tuple[str, str]) -> filters.Choices:
    programs, rounds = await program_choices()
    return filters.Choices(
        states=[(s.value, label(s)) for s in AwardState] if states else [],
        kinds=programs,
        rounds=rounds,
        districts=filters.district_choices(),
        kind_label=_("Program"),
        decided=False,
        date_labels=dates,
    )


async def _page(
    select: str, source: str, sql: filters.Sql, chosen: filters.Filters, order: str
) -> tuple[Page, list[dict]]:
    """One page: ``select`` may name the moment of the state as ``{now}`` (a parameter after the page's)."""
    total = (await db.fetch("SELECT count(*)" + source.format(where=sql.where), *sql.args))[0][0]
    page = page_of(chosen.page, filters.PAGE_SIZE, total)
    n = len(sql.args)
    query = (
        select.replace("{now}", f"${n + 3}")
        + source.format(where=sql.where)
        + f" ORDER BY {order} LIMIT ${n + 1} OFFSET ${n + 2}"
    )
    rows = [dict(r) for r in await db.fetch(query, *sql.args, page.size, page.offset, datetime.now(UTC))]
    districts = dict(filters.district_choices())
    for row in rows:
        row["program_name"] = pick(row["p_zh"], row["p_en"])
        row["round_name"] = pick(row["r_zh"], row["r_en"])
        row["district"] = districts.get(row["district_code"], row["district_code"])
    return page, rows


async def _common(chosen: filters.Filters, principal: Principal) -> filters.Sql:
    sql = await filters.subjects(chosen, principal)
    if chosen.kind:
        sql.add(f"p.key = {sql.arg(chosen.kind)}")
    if chosen.round is not None:
        sql.add(f"e.round = {sql.arg(chosen.round)}")
    return sql


async def list_awards(principal: Principal, chosen: filters.Filters) -> tuple[Page, list[dict]]:
    sql = await _common(chosen, principal)
    if chosen.state:
        sql.add(f"{state_sql('e', sql.arg(datetime.now(UTC)))} = {sql.arg(chosen.state)}")
    sql.between("e.created_at", chosen.since, chosen.until)
    select = _AWARDS.format(state=state_sql("e", "{now}::timestamptz"))
    page, rows = await _page(select, _AWARDS_FROM.replace("{join}", notice_join()), sql, chosen, "e.id DESC")
    for row in rows:
        row["state_label"] = label(AwardState, row["state"])
    return page, rows


async def list_payments(principal: Principal, chosen: filters.Filters) -> tuple[Page, list[dict]]:
    sql = await _common(chosen, principal)
    if chosen.since is not None:
        sql.add(f"pm.paid_on >= {sql.arg(chosen.since)}")
    if chosen.until is not None:
        sql.add(f"pm.paid_on <= {sql.arg(chosen.until)}")
    select = _PAYMENTS + ", {now}::timestamptz AS listed_at"  # the page's moment (every page has one)
    return await _page(select, _PAYMENTS_FROM, sql, chosen, "pm.paid_on DESC, pm.id DESC")


class AwardListController(Controller):
    path = "/z/{slug:str}/funding"

    @get("/awards", name="funding_awards", opt=allow(MEMBERS), dependencies={"listing": LISTING})
    async def awards(self, request: Request, listing: Listing) -> Template:
        offered = await choices(True, (_("Approved from"), _("Approved until")))
        chosen, errors = parse(listing, offered)
        page, rows = await list_awards(current_principal(), chosen)
        context = {"rows": rows, "page": page, **filter_context(listing, offered, chosen, errors)}
        return render(
            request,
            "funding/awards.html",
            context,
            partial="funding/partials/awards.html",
            status_code=filter_status(request, errors),
        )

    @get("/payments", name="funding_payments", opt=allow(MEMBERS), dependencies={"listing": LISTING})
    async def payments(self, request: Request, listing: Listing) -> Template:
        offered = await choices(False, (_("Paid from"), _("Paid until")))
        chosen, errors = parse(listing, offered)
        page, rows = await list_payments(current_principal(), chosen)
        context = {"rows": rows, "page": page, **filter_context(listing, offered, chosen, errors)}
        return render(
            request,
            "funding/payments.html",
            context,
            partial="funding/partials/payments.html",
            status_code=filter_status(request, errors),
        )
