"""The bureau-admin program editor: form ⇄ spec. Simple fields are form fields; the lists (inputs,
documents, eligibility rules, constants, review stages) are one TOML text in the same shape as
``tenants/<slug>/programs.toml``. Saving validates exactly like ``tenants sync`` (formulas compiled)
and writes a new ProgramVersion; an error names the form field (and, for formulas, the position)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import msgspec

from pilotzone.funding.formula_syntax import tokenize
from pilotzone.funding.program_spec import ProgramSpec
from pilotzone.funding.programs import ProgramError, check, convert
from pilotzone.funding.services import save_program, sync_rounds
from pilotzone.workflow.certifiable import scheme_keys

SIMPLE = ("key", "subject", "name_zh", "name_en", "description_zh", "description_en", "policy_zh",
          "formula", "cap", "allocation", "unit")
FLAGS = ("partial", "example_parameters")
ROUND = ("round_key", "round_name_zh", "round_name_en", "round_budget", "round_opens", "round_closes")
FIELDS = (*SIMPLE, *FLAGS, *ROUND, "details")


class EditorForm(msgspec.Struct):
    """The editor's form (every field text, ``""`` when not posted): ``SIMPLE``, ``FLAGS`` (``"1"``
    when set), ``ROUND`` and the ``details`` TOML."""

    key: str = ""
    subject: str = ""
    name_zh: str = ""
    name_en: str = ""
    description_zh: str = ""
    description_en: str = ""
    policy_zh: str = ""
    formula: str = ""
    cap: str = ""
    allocation: str = ""
    unit: str = ""
    partial: str = ""
    example_parameters: str = ""
    round_key: str = ""
    round_name_zh: str = ""
    round_name_en: str = ""
    round_budget: str = ""
    round_opens: str = ""
    round_closes: str = ""
    details: str = ""


@dataclass
class EditorError(ValueError):
    field: str
    message: str  # English; shown through _() with position where there is one
    position: int | None = None


def form_of(spec: ProgramSpec) -> EditorForm:
    """The editor's fields for a program version's spec."""
    form = {name: "" if getattr(spec, name) is None else str(getattr(spec, name)) for name in SIMPLE}
    for name in FLAGS:
        form[name] = "1" if getattr(spec, name) else ""
    return EditorForm(**form, details=details_toml(spec))


def details_toml(spec: ProgramSpec) -> str:
    lines: list[str] = []
    lines.append("stages = [" + ", ".join(_toml(s) for s in spec.stages) + "]")
    lines.append(f"notice_days = {spec.notice_days}")
    if spec.constants:
        lines += ["", "[constants]"] + [f"{k} = {v}" for k, v in spec.constants.items()]
    tables: dict[str, list[Any]] = {
        "inputs": spec.inputs,
        "documents": spec.documents,
        "eligibility": spec.eligibility,
    }
    for table, items in tables.items():
        for item in items:
            lines += ["", f"[[{table}]]"]
            # as stored (numbers as exact strings: msgspec reads them back as Decimal)
            lines += [
                f"{k} = {_toml(v)}" for k, v in msgspec.to_builtins(item).items() if v not in (None, "", [])
            ]
    return "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, (int, Decimal)):
        return str(value)
    text = str(value)  # numbers stored as exact strings stay strings: msgspec reads them as Decimal
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def spec_of(form: EditorForm, scheme_keys: set[str]) -> ProgramSpec:
    """Validate the form into a spec; raises EditorError(field, message, position)."""
    raw: dict[str, Any] = {}
    try:
        details = tomllib.loads(form.details, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise EditorError("details", f"TOML syntax: {exc}") from None
    unknown = set(details) - {"stages", "notice_days", "constants", "inputs", "documents", "eligibility"}
    if unknown:
        raise EditorError("details", f"unknown section '{sorted(unknown)[0]}'")
    raw.update(details)
    for name in SIMPLE:
        value = getattr(form, name).strip()
        if value or name in ("key", "subject", "name_zh", "name_en", "formula"):
            raw[name] = value
    if "cap" in raw:
        raw["cap"] = _decimal(raw["cap"], "cap")
    for name in FLAGS:
        raw[name] = getattr(form, name) in ("1", "on", "true")
    if form.round_key.strip():
        round_key = form.round_key.strip()
        raw["rounds"] = [
            {
                "key": round_key,
                "name_zh": form.round_name_zh.strip() or round_key,
                "name_en": form.round_name_en.strip() or round_key,
                "budget": _decimal(form.round_budget, "round_budget"),
                "opens": form.round_opens.strip(),
                "closes": form.round_closes.strip(),
            }
        ]
    try:
        spec = convert(raw, ProgramSpec)
        check(spec, scheme_keys, "program")
    except ProgramError as exc:
        field = _field_of(exc.key)
        message = exc.reason if exc.position is None else _strip(exc.reason)
        if field == "details":
            message = f"{exc.key.removeprefix('program.')}: {message}"
        raise EditorError(field, message, exc.position) from None
    return spec


def _decimal(value: str, field: str) -> Decimal:
    try:
        number = Decimal(value.strip().replace(",", ""))
    except ArithmeticError:
        raise EditorError(field, "must be an amount in yuan, e.g. 500000 or 1234.56") from None
    if not number.is_finite():
        raise EditorError(field, "must be an amount in yuan, e.g. 500000 or 1234.56")
    return number


def _strip(reason: str) -> str:
    return reason.rsplit(" at position ", 1)[0]


def _field_of(key: str) -> str:
    """``program.formula`` / ``programs.x.formula`` → formula; ``rounds[0].budget`` → round_budget."""
    if key.endswith(".formula"):
        return "formula"
    path = key.removeprefix("program.").split(".")[0].split("[")[0]
    if key.startswith("rounds") or ".rounds" in key:
        leaf = key.rsplit(".", 1)[-1]
        fields = {"opens": "round_opens", "closes": "round_closes", "budget": "round_budget",
                  "name_zh": "round_name_zh", "name_en": "round_name_en"}
        return fields.get(leaf, "round_key")
    return path if path in SIMPLE or path in FLAGS else "details"


async def save(form: EditorForm, user_id: int | None) -> tuple[Any, bool]:
    """Validate and write: a new program, or a new version of an existing one (and its round)."""
    spec = spec_of(form, await scheme_keys())
    program, written = await save_program(spec, created_by=user_id, source="editor")
    rounds = await sync_rounds(program, spec)
    return program, bool(written or rounds)


def readable(source: str, labels: dict[str, str]) -> str:
    """The formula with each name replaced by its label (``exports`` → ``当年跨境电商出口额``)."""
    out, last = [], 0
    for token in tokenize(source):
        if token.kind == "name" and token.text in labels:
            out.append(source[last : token.pos])
            out.append(f"〔{labels[token.text]}〕")
            last = token.pos + len(token.text)
    out.append(source[last:])
    return " ".join("".join(out).split())
