"""Funding programs as data: ``tenants/<slug>/programs.toml`` (or the bureau-admin editor).

A program says whose subject it funds, what the applicant declares (typed inputs), which documents are
required, the eligibility rules, constants, the formula, the per-applicant cap, its rounds and the
allocation rule. Everything is validated (formulas compiled) before anything is written; errors name
the key (``programs[0].formula`` in files, ``programs.<key>.formula`` for formulas) and the reason.
Numbers in the TOML are read as Decimal (never float). ``compiled(version)`` is cached per version id.
The structs (the shape of a program) are in :mod:`pilotzone.funding.program_spec`.
"""

from __future__ import annotations

import functools
import json
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import msgspec

from pilotzone.funding.formula import (
    Formula,
    FormulaError,
    compile_formula,
)
from pilotzone.funding.formula_values import BOOL, NUM, round_fen, text
from pilotzone.funding.program_spec import (
    FORMULA_TYPES,
    MONEY_UNITS,
    ProgramsFile,
    ProgramSpec,
    RuleSpec,
    from_stored,
)
from pilotzone.trade.facts import TRADE_FACTS, TRADE_NAMES, TradeFacts, facts_used
from pilotzone.web.formats import MoneyUnit, in_unit, to_yuan
from pilotzone.workflow.definitions import DOCUMENT_TYPES, REVIEWERS


class ProgramError(ValueError):
    """``key`` names the offending entry; ``position`` is set for formula errors."""

    def __init__(self, key: str, reason: str, position: int | None = None) -> None:
        self.key, self.reason, self.position = key, reason, position
        super().__init__(f"key '{key}': {reason}")


_AT = re.compile(r"^(?P<reason>.*?)(?: - at `\$\.?(?P<key>[^`]*)`)?$", re.S)


def parse(path: Path, scheme_keys: set[str]) -> list[ProgramSpec]:
    """The programs of one tenant file; raises ProgramError. ``scheme_keys``: the tenant's schemes."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise ProgramError("(syntax)", str(exc)) from None
    specs = convert(raw, ProgramsFile).programs
    seen: set[str] = set()
    for i, spec in enumerate(specs):
        if spec.key in seen:
            raise ProgramError(f"programs[{i}].key", f"duplicate program key '{spec.key}'")
        seen.add(spec.key)
        check(spec, scheme_keys, f"programs[{i}]")
    return specs


def convert(raw: Any, kind: type) -> Any:
    try:
        return msgspec.convert(raw, kind, strict=False)
    except msgspec.ValidationError as exc:
        m = _AT.match(str(exc))
        assert m is not None
        raise ProgramError(m.group("key") or "(top level)", m.group("reason")) from None


def check(spec: ProgramSpec, scheme_keys: set[str], at: str) -> CompiledProgram:
    """Every check beyond the types, then the compiled program (formulas compiled here)."""
    spec.formula = spec.formula.strip()
    for kind, items in (("inputs", spec.inputs), ("documents", spec.documents), ("rounds", spec.rounds)):
        keys = [item.key for item in items]
        for j, key in enumerate(keys):
            if keys.index(key) != j:
                raise ProgramError(f"{at}.{kind}[{j}].key", f"duplicate key '{key}'")
    for j, item in enumerate(spec.inputs):
        where = f"{at}.inputs[{j}]"
        if item.type == "amount" and item.unit:
            raise ProgramError(f"{where}.unit", f"an amount is in the program's unit ({spec.unit}); give no unit here")
        if item.unit in MONEY_UNITS:
            raise ProgramError(f"{where}.type", f"money is an input of type 'amount' (in the program's unit), not '{item.unit}'")
        if (item.min is not None or item.max is not None) and item.type not in ("decimal", "integer", "amount"):
            raise ProgramError(f"{where}.min", f"min/max apply to numbers, this is {item.type}")
        if item.min is not None and item.max is not None and item.min > item.max:
            raise ProgramError(f"{where}.min", f"min {item.min} is above max {item.max}")
        if item.key in spec.constants:
            raise ProgramError(f"{where}.key", f"'{item.key}' is also a constant")
        if item.key in TRADE_NAMES:
            raise ProgramError(f"{where}.key", f"'{item.key}' is the name of a trade fact")
    for name in spec.constants:
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", name):
            raise ProgramError(f"{at}.constants.{name}", "constant names are lower-case letters, digits, '_'")
        if name in TRADE_NAMES:
            raise ProgramError(f"{at}.constants.{name}", f"'{name}' is the name of a trade fact")
    for j, document in enumerate(spec.documents):
        for k, kind in enumerate(document.types):
            if kind not in DOCUMENT_TYPES:
                raise ProgramError(f"{at}.documents[{j}].types[{k}]", f"'{kind}' is not an accepted document type")
    for j, role in enumerate(spec.stages):
        if role not in REVIEWERS:
            raise ProgramError(f"{at}.stages[{j}]", f"'{role}' is not a reviewing role ({', '.join(REVIEWERS)})")
    if spec.stages.count("bureau_admin") != 1 or spec.stages[-1] != "bureau_admin":
        raise ProgramError(f"{at}.stages", "the bureau administrator decides, once, in the last stage")
    if spec.cap is not None and (spec.cap < 0 or spec.cap != spec.cap.quantize(Decimal("0.01"))):
        raise ProgramError(f"{at}.cap", "the cap is a non-negative amount in whole fen")
    for j, rnd in enumerate(spec.rounds):
        if rnd.budget < 0:
            raise ProgramError(f"{at}.rounds[{j}].budget", "the budget cannot be negative")
        if rnd.closes < rnd.opens:
            raise ProgramError(f"{at}.rounds[{j}].closes", f"{rnd.closes} is before opens {rnd.opens}")
        if rnd.budget != rnd.budget.quantize(Decimal("0.01")):
            raise ProgramError(f"{at}.rounds[{j}].budget", "the budget is whole fen")
    for j, rule in enumerate(spec.eligibility):
        where = f"{at}.eligibility[{j}]"
        if rule.kind == "certified" and rule.scheme not in scheme_keys:
            known = ", ".join(sorted(scheme_keys)) or "none"
            raise ProgramError(f"{where}.scheme", f"'{rule.scheme}' is not a scheme of this tenant (schemes: {known})")
        if rule.kind != "certified" and rule.scheme:
            raise ProgramError(f"{where}.scheme", f"only 'certified' rules name a scheme, this is '{rule.kind}'")
        if rule.kind == "input" and not (rule.expr and rule.message_zh and rule.message_en):
            raise ProgramError(where, "an input rule needs expr, message_zh and message_en")
        if rule.kind != "input" and rule.expr:
            raise ProgramError(f"{where}.expr", "only 'input' rules have an expression")
    return CompiledProgram(spec)


def names(spec: ProgramSpec) -> list[str]:
    """The names a formula of ``spec`` may use: its inputs, its constants and the trade facts."""
    return [i.key for i in spec.inputs if i.type in FORMULA_TYPES] + list(spec.constants) + sorted(TRADE_NAMES)


# -- evaluation -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubjectFacts:
    """What eligibility needs about the subject, read from the database for one date."""

    certifications: frozenset[str] = frozenset()  # scheme keys with a valid certificate
    negative_entry: str | None = None  # the reason of a negative-list entry in force, or None
    negative_source: str = ""  # where that entry comes from (the list or decision)
    registered: bool = False
    trade: TradeFacts | None = None  # the trade facts (pilotzone.trade.facts) of the reference year, if read


@dataclass
class Reason:
    rule: str
    ok: bool | None  # None: not checked (no subject given)
    message_zh: str
    message_en: str


@dataclass
class Result:
    eligible: bool
    reasons: list[Reason]
    amount: Decimal
    explanation: list[dict] = field(default_factory=list)


class InputError(ValueError):
    def __init__(self, key: str, message: str) -> None:
        self.key, self.message = key, message
        super().__init__(f"{key}: {message}")


class CompiledProgram:
    """A program version ready to evaluate: formulas compiled once."""

    def __init__(self, spec: ProgramSpec) -> None:
        self.spec = spec
        # amounts are declared in the program's unit; formulas see yuan (exact: × 1 or × 10,000)
        scaled = spec.unit != MoneyUnit.YUAN
        self.amounts = {i.key for i in spec.inputs if i.type == "amount"} if scaled else set()
        known = names(spec)
        prefix = f"programs.{spec.key}"
        self.formula = _compile(spec.formula, known, f"{prefix}.formula", NUM)
        self.rules: list[tuple[RuleSpec, Formula | None]] = [
            (rule, _compile(rule.expr, known, f"{prefix}.eligibility[{j}].expr", BOOL) if rule.kind == "input" else None)
            for j, rule in enumerate(spec.eligibility)
        ]
        used = set(self.formula.names).union(*(f.names for _, f in self.rules if f is not None))
        self.trade_names = facts_used(used)  # the trade facts the program needs (none: no query)

    def parse_inputs(self, raw: dict[str, Any]) -> dict[str, Decimal | bool]:
        """Typed values from text/JSON; raises InputError naming the field. Text and date inputs are
        checked but not passed to formulas."""
        values: dict[str, Decimal | bool] = {}
        for item in self.spec.inputs:
            value = raw.get(item.key)
            if value is None or value == "":
                if item.required:
                    raise InputError(item.key, "required")
                if item.type == "boolean":
                    values[item.key] = False  # an unticked box
                continue
            if item.type == "boolean":
                if isinstance(value, bool) or value in ("true", "false"):
                    values[item.key] = value if isinstance(value, bool) else value == "true"
                    continue
                raise InputError(item.key, "must be true or false")
            if item.type in ("text", "date"):
                if item.type == "date":
                    try:
                        date.fromisoformat(str(value))
                    except ValueError:
                        raise InputError(item.key, "must be a date YYYY-MM-DD") from None
                continue
            if isinstance(value, float) or isinstance(value, bool):
                raise InputError(item.key, "give numbers as strings or integers (never floats)")
            try:
                number = Decimal(str(value).replace(",", "").strip())
            except InvalidOperation:
                raise InputError(item.key, "must be a number") from None
            if not number.is_finite() or (item.type == "integer" and number != number.to_integral_value()):
                raise InputError(item.key, f"must be {'a whole number' if item.type == 'integer' else 'a number'}")
            if item.min is not None and number < item.min:
                raise InputError(item.key, f"must be at least {item.min}")
            if item.max is not None and number > item.max:
                raise InputError(item.key, f"must be at most {item.max}")
            values[item.key] = number
        return values

    def evaluate(self, inputs: dict[str, Decimal | bool], facts: SubjectFacts | None) -> Result:
        """Eligibility, then the formula; the amount is rounded half-up to the fen and capped.
        ``facts=None``: subject rules are reported as not checked and do not make it ineligible."""
        trade = facts.trade if facts is not None else None
        env = {**self.in_yuan(inputs), **self.spec.constants, **self.trade_env(trade)}
        steps: list[dict] = []
        reasons = [self._check_rule(rule, formula, env, facts, steps) for rule, formula in self.rules]
        eligible = all(r.ok is not False for r in reasons)
        if not eligible:
            steps.append(_step("amount", "0.00", "不符合条件，金额为 0", "not eligible: amount 0", "ineligible"))
            return Result(False, reasons, Decimal("0.00"), steps)
        evaluation = self.formula.evaluate(env)
        steps.extend(self._formula_step(s, trade) for s in evaluation.steps)
        if isinstance(evaluation.value, bool):  # _compile refuses a formula that gives a condition
            raise TypeError(f"{self.spec.key}: the formula gives a condition, not an amount")
        amount = round_fen(evaluation.value)
        if amount < 0:
            amount = Decimal("0.00")
            steps.append(_step("amount", "0.00", "负数按 0 计", "a negative amount counts as 0", "negative"))
        cap = self.spec.cap
        if cap is not None and amount > cap:
            amount = round_fen(cap)
            steps.append(_step("cap", text(cap), f"超过每户上限，按上限 {text(cap)} 计", f"over the cap: capped at {text(cap)}", "cap"))
        steps.append(_step("amount", text(amount), "核定金额（四舍五入到分）", "amount (rounded half-up to the fen)", "amount"))
        return Result(True, reasons, amount, steps)

    def in_yuan(self, inputs: dict[str, Decimal | bool]) -> dict[str, Decimal | bool]:
        """The inputs as the formulas see them: amounts declared in 万元 times 10,000 (exact)."""
        if not self.amounts:
            return inputs
        unit = self.spec.unit
        return {
            k: to_yuan(v, unit) if k in self.amounts and not isinstance(v, bool) else v for k, v in inputs.items()
        }

    def trade_env(self, trade: TradeFacts | None) -> dict[str, Decimal]:
        """The trade facts the program uses: their values, 0 where none were read (no subject, no figure)."""
        return {name: trade.value(name) if trade is not None else Decimal("0.00") for name in self.trade_names}

    def _formula_step(self, s: Any, trade: TradeFacts | None = None) -> dict:
        step = {"expr": s.expr, "value": s.value, "note_zh": s.note_zh, "note_en": s.note_en}
        if s.kind:
            step["kind"] = s.kind
        if s.args:
            step["args"] = s.args  # made per step (a name's: one per compiled name, never changed)
            fact = TRADE_FACTS.get(s.args.get("name", "")) if s.kind == "name" else None
            if fact is not None:  # say where the number came from (a new dict: args are shared)
                year = fact.year(trade.year) if trade is not None else None
                step["args"] = {**s.args, "trade": fact.source, **({"year": str(year)} if year else {})}
                none_zh, none_en = ("", "") if trade is not None else ("（未读取贸易数据，按 0 计）", " (no trade data read: 0)")
                step["note_zh"], step["note_en"] = fact.label(True, year) + none_zh, fact.label(False, year) + none_en
            if s.kind == "name" and s.args["name"] in self.amounts:  # say what was declared
                declared = text(in_unit(Decimal(s.value), self.spec.unit).normalize())
                step["note_zh"] += f"，申报 {declared} {self.spec.unit}，折合元"
                step["note_en"] += f", declared {declared} {self.spec.unit}, in yuan"
        return step

    def _check_rule(self, rule: RuleSpec, formula: Formula | None, env: dict, facts: SubjectFacts | None,
                    steps: list[dict]) -> Reason:
        if formula is not None:
            ok = formula.evaluate(env).value is True
            reason = Reason("input", ok, rule.message_zh, rule.message_en)
            label = rule.expr
        else:
            label, zh, en = _rule_text(rule.kind, rule.scheme)
            if facts is None:
                ok = None
            elif rule.kind == "certified":
                ok = rule.scheme in facts.certifications
            elif rule.kind == "not_on_negative_list":
                ok = facts.negative_entry is None
                if not ok:
                    zh, en = f"{zh}（列入原因：{facts.negative_entry}）", f"{en} (listed: {facts.negative_entry})"
            else:
                ok = facts.registered
            reason = Reason(rule.kind, ok, rule.message_zh or zh, rule.message_en or en)
        value, note_zh, note_en = _CHECKED[ok]
        steps.append(_step(f"eligibility: {label}", value, f"{note_zh}：{reason.message_zh}", f"{note_en}: {reason.message_en}", "eligibility"))
        return reason


_CHECKED = {
    True: ("true", "符合", "met"),
    False: ("false", "不符合", "not met"),
    None: ("not checked", "未核验（未指定申报主体）", "not checked (no subject given)"),
}


@functools.lru_cache(maxsize=4096)
def _rule_text(kind: str, scheme: str) -> tuple[str, str, str]:
    """(label, zh, en) of a subject rule: the same for every application, so made once."""
    zh, en = _RULE_TEXT[kind]
    label = f"{kind}({scheme})" if scheme else kind
    return label, zh.format(scheme=scheme), en.format(scheme=scheme)


_RULE_TEXT = {
    "certified": ("持有有效的“{scheme}”认定", "holds a valid '{scheme}' certification"),
    "not_on_negative_list": ("未列入信用负面清单", "not on the credit negative list"),
    "registered": ("已在本试验区登记", "registered in this pilot zone"),
}


def _step(expr: str, value: str, note_zh: str, note_en: str, kind: str = "", args: dict | None = None) -> dict:
    step: dict[str, Any] = {"expr": expr, "value": value, "note_zh": note_zh, "note_en": note_en}
    if kind:
        step["kind"] = kind
    if args:
        step["args"] = dict(args)
    return step


def _compile(source: str, known: list[str], key: str, kind: str) -> Formula:
    try:
        formula = compile_formula(source, known, key=key)
    except FormulaError as exc:
        raise ProgramError(exc.key, exc.message + f" at position {exc.position}", exc.position) from None
    if formula.kind not in (kind, "any"):
        raise ProgramError(key, f"must give a {kind}, this gives a {formula.kind}", 0)
    return formula


def to_json(spec: ProgramSpec) -> dict:
    """The spec as stored in ProgramVersion.spec (Decimals as exact strings, dates ISO; no rounds)."""
    data = json.loads(msgspec.json.encode(spec))
    data.pop("rounds", None)
    return data


_CACHE: dict[int, CompiledProgram] = {}


def compiled(version: Any) -> CompiledProgram:
    """The compiled program of a ProgramVersion row (or dict with id and spec), cached per version id:
    versions never change, so the formula is parsed once per process and version."""
    vid = version["id"] if isinstance(version, dict) else version.id
    found = _CACHE.get(vid)
    if found is None:
        spec = version["spec"] if isinstance(version, dict) else version.spec
        if len(_CACHE) > 1024:
            _CACHE.clear()
        found = _CACHE[vid] = CompiledProgram(from_stored(spec))
    return found

