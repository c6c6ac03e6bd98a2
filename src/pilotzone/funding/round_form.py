"""Rounds of a program made and changed in a form (bureau admins): names, the budget in 元, the dates as
``<input type=date>`` and the allocation rule. A round whose ``opens_at`` is today or earlier (in the
pilot zone's time zone) starts ``open``, a later one ``scheduled`` (the scheduler opens and closes rounds
by their dates); only a round that is scheduled or open can be changed, and its status follows the
changed opening date. Every write is audited (``round.created``, ``round.changed``)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from piccolo.columns import Column

from pilotzone.auth import audit
from pilotzone.auth.guards import BUREAU_ADMIN, allow
from pilotzone.funding import services
from pilotzone.funding.program_spec import from_stored
from pilotzone.funding.tables import RULES, Program, Round
from pilotzone.web.formats import TZ
from pilotzone.web.forms import URL_ENCODED
from pilotzone.web.labels import N_
from pilotzone.web.render import render
from pilotzone.web.urls import url_for

CHANGEABLE = ("scheduled", "open")


class RoundForm(msgspec.Struct):
    name_zh: str = ""
    name_en: str = ""
    budget: str = ""
    opens_at: str = ""
    closes_at: str = ""
    rule: str = ""
    partial: str = ""


def today() -> date:
    return datetime.now(TZ).date()


def status_for(opens_at: date, on: date | None = None) -> str:
    """``open`` when the round opens today or earlier, else ``scheduled``."""
    return "open" if opens_at <= (on or today()) else "scheduled"


def check(form: RoundForm, *, new: bool) -> tuple[dict[str, Any], dict[str, str]]:
    """(values, errors): the round's columns, or the field errors (message ids)."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name in ("name_zh", "name_en"):
        text = getattr(form, name).strip()
        if not text:
            errors[name] = N_("This field is required.")
        elif len(text) > 200:
            errors[name] = N_("At most 200 characters.")
        values[name] = text
    try:
        budget = Decimal(form.budget.strip().replace(",", ""))
        if not budget.is_finite() or budget < 0 or budget != budget.quantize(Decimal("0.01")):
            raise InvalidOperation
        if budget >= Decimal("1e14"):
            raise InvalidOperation
        values["budget"] = budget.quantize(Decimal("0.01"))
    except InvalidOperation:
        errors["budget"] = N_("Write the budget in yuan, at least 0, in whole fen, e.g. 5000000 or 1234.56.")
    for name in ("opens_at", "closes_at"):
        try:
            values[name] = date.fromisoformat(getattr(form, name).strip())
        except ValueError:
            errors[name] = N_("Choose a date.")
    if "opens_at" in values and "closes_at" in values:
        if values["closes_at"] < values["opens_at"]:
            errors["closes_at"] = N_("The round cannot close before it opens.")
        elif new and values["closes_at"] < today():
            errors["closes_at"] = N_("This date has passed: a new round must still be open on its closing day.")
    if form.rule not in RULES:
        errors["rule"] = N_("Choose one of the listed values.")
    values["rule"] = form.rule
    values["partial"] = form.partial in ("1", "on", "true")
    return values, errors


async def next_key(program_id: int, opens: date) -> str:
    taken = {r["key"] for r in await Round.select(Round.key).where(Round.program == program_id)}
    key, n = str(opens.year), 2
    while key in taken:
        key, n = f"{opens.year}-{n}", n + 1
    return key


class RoundFormController(Controller):
    path = "/z/{slug:str}/programs/{program_key:str}/rounds"

    @get("/new", name="round_new", opt=allow(BUREAU_ADMIN))
    async def new(self, request: Request, program_key: FromPath[str]) -> Template:
        program = await _program(program_key)
        start = today()
        form = RoundForm(budget="", opens_at=start.isoformat(), closes_at=start.replace(month=12, day=31).isoformat(),
                         rule=await _default_rule(program))
        return _page(request, program, None, form, {})

    @post("/", name="round_create", opt=allow(BUREAU_ADMIN), status_code=303)
    async def create(self, request: Request, slug: FromPath[str], program_key: FromPath[str],
                     data: Annotated[RoundForm, URL_ENCODED]) -> Redirect | Template:
        program = await _program(program_key)
        values, errors = check(data, new=True)
        if errors:
            return _page(request, program, None, data, errors, 400)
        values |= {"status": status_for(values["opens_at"]), "key": await next_key(program.id, values["opens_at"])}
        row = Round(program=program.id, **values)
        await row.save()
        await audit.record("round.created", "round", row.id, after=_audited(values))
        return Redirect(path=url_for(request, "program", slug=slug, program_key=program.key), status_code=303)

    @get("/{round_id:int}/edit", name="round_edit", opt=allow(BUREAU_ADMIN))
    async def edit(self, request: Request, program_key: FromPath[str], round_id: FromPath[int]) -> Template:
        program = await _program(program_key)
        row = await _round(program, round_id)
        form = RoundForm(name_zh=row.name_zh, name_en=row.name_en, budget=str(row.budget),
                         opens_at=row.opens_at.isoformat(), closes_at=row.closes_at.isoformat(), rule=row.rule,
                         partial="1" if row.partial else "")
        return _page(request, program, row, form, {})

    @post("/{round_id:int}", name="round_update", opt=allow(BUREAU_ADMIN), status_code=303)
    async def update(self, request: Request, slug: FromPath[str], program_key: FromPath[str],
                     round_id: FromPath[int], data: Annotated[RoundForm, URL_ENCODED]) -> Redirect | Template:
        program = await _program(program_key)
        row = await _round(program, round_id)
        if row.status not in CHANGEABLE:
            errors = {"form": N_("Only a scheduled or open round can be changed.")}
            return _page(request, program, row, data, errors, 409)
        values, errors = check(data, new=False)
        if errors:
            return _page(request, program, row, data, errors, 400)
        values["status"] = status_for(values["opens_at"])
        before = {k: getattr(row, k) for k in values}
        changes: dict[Column | str, Any] = {k: v for k, v in values.items()}
        changes["updated_at"] = datetime.now(TZ)
        await Round.update(changes).where(Round.id == row.id)
        await audit.record("round.changed", "round", row.id, before=_audited(before), after=_audited(values))
        return Redirect(path=url_for(request, "program", slug=slug, program_key=program.key), status_code=303)


def _audited(values: dict[str, Any]) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, (Decimal, date)) else v for k, v in values.items()}


async def _default_rule(program: Program) -> str:
    """The program's allocation rule (its current version's)."""
    found = await services.program_with_version(program.key)
    return from_stored(found[1].spec).allocation if found is not None else "pro_rata"


async def _program(key: str) -> Program:
    found = await services.program_with_version(key)
    if found is None:
        raise NotFoundException("no such program")
    return found[0]


async def _round(program: Program, round_id: int) -> Round:
    row = await Round.objects().where((Round.id == round_id) & (Round.program == program.id)).first()
    if row is None:
        raise NotFoundException("no such round")
    return row


def _page(request: Request, program: Program, row: Round | None, form: RoundForm, errors: dict[str, str],
          status: int = 200) -> Template:
    context = {"program": program, "round": row, "form": form, "errors": errors, "rules": RULES}
    return render(request, "funding/round_form.html", context, status_code=status)
