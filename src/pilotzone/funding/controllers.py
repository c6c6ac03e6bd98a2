"""Program pages for every member of the tenant: the list and one program. The builder (bureau admins)
is :mod:`pilotzone.funding.builder`, rounds :mod:`pilotzone.funding.round_form`."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from pilotzone.auth.guards import MEMBERS, allow
from pilotzone.funding import ledger, services
from pilotzone.funding.formula_syntax import tokenize
from pilotzone.funding.program_spec import from_stored
from pilotzone.trade.facts import TRADE_FACTS
from pilotzone.web.i18n import get_locale
from pilotzone.web.render import render


class ProgramController(Controller):
    path = "/z/{slug:str}/programs"

    @get("/", name="programs", opt=allow(MEMBERS))
    async def index(self, request: Request) -> Template:
        return render(request, "funding/programs.html", {"programs": await services.programs()})

    @get("/{program_key:str}", name="program", opt=allow(MEMBERS))
    async def detail(self, request: Request, program_key: FromPath[str]) -> Template:
        found = await services.program_with_version(program_key)
        if found is None:
            raise NotFoundException("no such program")
        program, version = found
        spec = from_stored(version.spec)
        zh = get_locale() == "zh_CN"
        labels = {i.key: i.label_zh if zh else i.label_en for i in spec.inputs}
        labels.update({name: f"{name} = {value}" for name, value in spec.constants.items()})
        context = {
            "program": program,
            "version": version,
            "spec": spec,
            "readable": readable(spec.formula, labels),
            "readable_of": lambda text: readable(text, labels),  # conditions by their labels
            "rounds": await services.rounds_of(program.id),
            "versions": await services.versions_of(program.id),
            "balance": await ledger.balance(program.id),
        }
        return render(request, "funding/program.html", context)


def readable(source: str, labels: dict[str, str]) -> str:
    """The formula with each name replaced by its label (``exports`` → ``〔当年跨境电商出口额〕``, a trade
    fact ``official_export_last_year`` → ``〔官方数据（单一窗口）上年 出口〕``)."""
    out, last = [], 0
    zh = get_locale().lower().startswith("zh")
    for token in tokenize(source):
        fact = TRADE_FACTS.get(token.text) if token.kind == "name" else None
        name = labels.get(token.text) if token.kind == "name" else None
        if name is not None or fact is not None:
            out.append(source[last : token.pos])
            out.append(f"〔{name if name is not None else fact.label(zh) if fact is not None else ''}〕")
            last = token.pos + len(token.text)
    out.append(source[last:])
    return " ".join("".join(out).split())
