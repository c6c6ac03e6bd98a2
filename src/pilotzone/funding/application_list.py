"""The list of funding applications with its filter (``workflow.filters``): state, program, round,
district, submitted / decided between, number, name or credit code; 20 a page, newest first."""

from __future__ import annotations

from pilotzone.auth.principal import Principal
from pilotzone.funding.applications import KIND, status_label
from pilotzone.funding.tables import Program, Round
from pilotzone.web.i18n import gettext as _
from pilotzone.web.i18n import pick
from pilotzone.web.labels import label
from pilotzone.web.render import Page
from pilotzone.workflow import filters
from pilotzone.workflow.states import FundingState

DECIDED = (FundingState.VERIFIED, FundingState.REJECTED)  # "decided between": when it entered them

_FROM = """
  FROM submission s
  JOIN funding_application a ON a.id = s.id AND a.tenant_id = s.tenant_id
  JOIN program p ON p.id = a.program AND p.tenant_id = a.tenant_id
  JOIN round r ON r.id = a.round AND r.tenant_id = a.tenant_id
 WHERE {where}"""
_PAGE = (
    """
SELECT s.id, s.subject_label, s.status, s.updated_at, s.submitted_at, s.district_code,
       p.name_zh AS program_zh, p.name_en AS program_en, r.name_zh AS round_zh, r.name_en AS round_en
"""
    + _FROM
    + " ORDER BY s.id DESC LIMIT {limit} OFFSET {offset}"
)


async def program_choices() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The tenant's programs (key, name) and rounds (id, program · round) as filter options."""
    programs = await Program.select(Program.key, Program.name_zh, Program.name_en).order_by(Program.id)
    rounds = await Round.select(
        Round.id, Round.name_zh, Round.name_en, Round.program.name_zh, Round.program.name_en
    ).order_by(Round.id)
    return (
        [(r["key"], pick(r["name_zh"], r["name_en"])) for r in programs],
        [
            (
                str(r["id"]),
                f"{pick(r['program.name_zh'], r['program.name_en'])} · {pick(r['name_zh'], r['name_en'])}",
            )
            for r in rounds
        ],
    )


async def choices() -> filters.Choices:
    """The options of the filter: every state, the tenant's programs and rounds, its districts."""
    programs, rounds = await program_choices()
    return filters.Choices(
        states=[(s.value, label(s)) for s in FundingState],
        kinds=programs,
        rounds=rounds,
        districts=filters.district_choices(),
        kind_label=_("Program"),
    )


async def list_applications(principal: Principal, chosen: filters.Filters) -> tuple[Page, list[dict]]:
    """One page of the funding applications ``principal`` may list that match ``chosen``."""
    sql = await filters.where(chosen, principal, KIND.value, tuple(s.value for s in DECIDED))
    if chosen.kind:
        sql.add(f"p.key = {sql.arg(chosen.kind)}")
    if chosen.round is not None:
        sql.add(f"a.round = {sql.arg(chosen.round)}")
    page, rows = await filters.page_rows(sql, chosen, _FROM, _PAGE)
    for row in rows:
        row["program_name"] = pick(row["program_zh"], row["program_en"])
        row["round_name"] = pick(row["round_zh"], row["round_en"])
        row["status_label"] = status_label(row["status"])
    return page, rows
