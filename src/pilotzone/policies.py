"""政策公开: a pilot zone's open programs (funding) and schemes (certification), readable without signing
in. Part of the composition root: it reads both domains through their own functions.

``/z/<slug>/policies`` lists them; a page per program says its policy basis, who may apply, the
conditions, the amount as the formula in words with an estimate on sample figures (funding's
explanation helpers: ``explain.words``), the documents, the rounds and their dates, how to apply; a page
per scheme says the same of a certification (fields, documents, review, notice, validity)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from pilotzone.auth.guards import PUBLIC, allow
from pilotzone.certification import services as certification
from pilotzone.certification.schemes import from_stored as scheme_spec
from pilotzone.funding import services as funding
from pilotzone.funding.controllers import readable
from pilotzone.funding.explain import words
from pilotzone.funding.program_spec import ProgramSpec
from pilotzone.funding.program_spec import from_stored as program_spec
from pilotzone.funding.programs import InputError, compiled
from pilotzone.web.formats import TZ
from pilotzone.web.i18n import get_locale
from pilotzone.web.render import render


def _round_state(opens: date, closes: date, today: date) -> str:
    if today < opens:
        return "upcoming"
    return "open" if today <= closes else "closed"


def _as_date(value: Any) -> date:
    """A round's date (a stored moment, should rounds keep times, as its date in the tenant's zone)."""
    return value.astimezone(TZ).date() if isinstance(value, datetime) else value


async def _rounds(program_id: int) -> list[dict]:
    today = datetime.now(UTC).astimezone(TZ).date()
    rounds = []
    for r in await funding.rounds_of(program_id):
        opens, closes = _as_date(r["opens_at"]), _as_date(r["closes_at"])
        rounds.append({**r, "opens": opens, "closes": closes, "state": _round_state(opens, closes, today)})
    return rounds


def estimate(version: Any, spec: ProgramSpec, raw: dict[str, str]) -> dict | None:
    """The amount for figures a visitor typed (no subject: its conditions are "not checked"), in words."""
    if not any(raw.get(i.key) for i in spec.inputs):
        return None
    program = compiled(version)
    try:
        inputs = program.parse_inputs(raw)
    except InputError as exc:
        return {"field": exc.key}
    try:
        result = program.evaluate(inputs, None)
    except ValueError:  # a value the formula needs is missing
        return {"field": ""}
    return {"amount": result.amount, "eligible": result.eligible, "words": words(result.explanation, spec, get_locale())}


class PoliciesController(Controller):
    path = "/z/{slug:str}/policies"

    @get("/", name="policies", opt=allow(PUBLIC))
    async def index(self, request: Request) -> Template:
        programs = []
        for p in await funding.programs():
            found = await funding.program_with_version(p["key"])
            if found is None:
                continue
            rounds = await _rounds(p["id"])
            programs.append({"program": p, "spec": program_spec(found[1].spec), "rounds": rounds})
        schemes = [
            {"scheme": s, "spec": scheme_spec(s.spec)}
            for s in [await certification.get_scheme(row["key"]) for row in await certification.active_schemes()]
            if s is not None
        ]
        return render(request, "policies/index.html", {"programs": programs, "schemes": schemes})

    @get("/programs/{program_key:str}", name="policy_program", opt=allow(PUBLIC))
    async def program(self, request: Request, program_key: FromPath[str]) -> Template:
        found = await funding.program_with_version(program_key)
        if found is None:
            raise NotFoundException("no such program")
        program, version = found
        spec = program_spec(version.spec)
        zh = get_locale() == "zh_CN"
        labels = {i.key: i.label_zh if zh else i.label_en for i in spec.inputs}
        labels.update({name: f"{name} = {value}" for name, value in spec.constants.items()})
        raw = {i.key: request.query_params.get(i.key, "") for i in spec.inputs}
        context = {
            "program": program,
            "spec": spec,
            "readable": readable(spec.formula, labels),
            "rounds": await _rounds(program.id),
            "raw": raw,
            "estimate": estimate(version, spec, raw),
            "schemes": {s["key"]: s for s in await certification.active_schemes()},
        }
        return render(request, "policies/program.html", context)

    @get("/schemes/{scheme_key:str}", name="policy_scheme", opt=allow(PUBLIC))
    async def scheme(self, request: Request, scheme_key: FromPath[str]) -> Template:
        scheme = await certification.get_scheme(scheme_key)
        if scheme is None:
            raise NotFoundException("no such scheme")
        return render(request, "policies/scheme.html", {"scheme": scheme, "spec": scheme_spec(scheme.spec)})


ROUTES = [PoliciesController]
