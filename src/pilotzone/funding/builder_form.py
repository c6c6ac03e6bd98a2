"""The program builder's form: rows of inputs, documents, eligibility conditions, constants and review
stages as posted fields (``inputs-0-key``, ``documents-1-types`` …), never TOML. ``parse(posted)`` reads
a posted form, ``form_of(spec)`` fills one from a version's spec, ``spec_of(form, schemes)`` validates it
into a :class:`ProgramSpec` exactly like ``tenants sync`` (formulas compiled) or raises
:class:`BuilderErrors` whose keys are the form's field names (``inputs-2-min``, ``formula``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from pilotzone.funding.builder_words import FieldError, from_program_error
from pilotzone.funding.program_spec import ProgramSpec
from pilotzone.funding.programs import CompiledProgram, ProgramError, check, convert
from pilotzone.web.labels import N_

SIMPLE = ("key", "subject", "name_zh", "name_en", "description_zh", "description_en", "policy_zh",
          "formula", "cap", "allocation", "unit", "notice_days")
FLAGS = ("partial", "example_parameters")
ROWS: dict[str, tuple[str, ...]] = {  # the columns of each kind of row
    "inputs": ("key", "label_zh", "label_en", "type", "unit", "min", "max", "required"),
    "documents": ("key", "label_zh", "label_en", "types", "required"),
    "rules": ("fact", "expr", "message_zh", "message_en"),
    "constants": ("name", "value"),
    "stages": ("role",),
}
SPEC_LIST = {"inputs": "inputs", "documents": "documents", "rules": "eligibility", "stages": "stages"}
BLANK_ROW: dict[str, dict[str, Any]] = {
    "inputs": {"type": "amount", "required": "1"},
    "documents": {"types": ["application/pdf"], "required": "1"},
    "rules": {"fact": "registered"},
    "constants": {},
    "stages": {"role": "bureau_reviewer"},
}
_ROW = re.compile(r"^(?P<kind>inputs|documents|rules|constants|stages)-(?P<i>\d{1,3})-(?P<col>[a-z_]+)$")
_SAMPLE = re.compile(r"^sample-(?P<key>[a-z][a-z0-9_]{0,39})$")


@dataclass
class ProgramForm:
    """What the builder shows and posts: every value as typed (text), rows in their order."""

    fields: dict[str, str] = field(default_factory=dict)
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {kind: [] for kind in ROWS})
    samples: dict[str, str] = field(default_factory=dict)  # preview inputs by input key

    def get(self, name: str) -> str:
        return self.fields.get(name, "")

    def add_row(self, kind: str) -> None:
        self.rows[kind].append(dict(BLANK_ROW[kind]))

    def remove_row(self, kind: str, index: int) -> None:
        if 0 <= index < len(self.rows[kind]):
            del self.rows[kind][index]


class BuilderErrors(ValueError):
    """Field name → FieldError (message id, parameters, position in a formula)."""

    def __init__(self, errors: dict[str, FieldError]) -> None:
        self.errors = errors
        super().__init__(", ".join(errors))


def new_form() -> ProgramForm:
    form = ProgramForm(fields={"subject": "enterprise", "allocation": "pro_rata", "unit": "元",
                               "notice_days": "7", "example_parameters": "1"})
    form.rows["rules"] = [{"fact": "registered"}, {"fact": "not_on_negative_list"}]
    form.rows["stages"] = [{"role": "bureau_reviewer"}, {"role": "bureau_admin"}]
    form.add_row("inputs")
    return form


def parse(posted: Any) -> ProgramForm:
    """A posted form (Litestar's multi-dict: ``getall`` for the document types) as a ProgramForm."""
    form = ProgramForm()
    for name in SIMPLE:
        form.fields[name] = str(posted.get(name) or "")
    for name in FLAGS:
        form.fields[name] = "1" if posted.get(name) in ("1", "on", "true") else ""
    found: dict[str, dict[int, dict[str, Any]]] = {kind: {} for kind in ROWS}
    for name in posted:
        if (m := _ROW.match(name)) is not None and m["col"] in ROWS[m["kind"]]:
            row = found[m["kind"]].setdefault(int(m["i"]), {})
            many = m["col"] == "types"
            row[m["col"]] = [str(v) for v in posted.getall(name)] if many else str(posted.get(name) or "")
        elif (s := _SAMPLE.match(name)) is not None:
            form.samples[s["key"]] = str(posted.get(name) or "")
    for kind, rows in found.items():
        form.rows[kind] = [rows[i] for i in sorted(rows)]
    return form


def apply_action(form: ProgramForm, action: str) -> bool:
    """``add:inputs`` / ``remove:inputs:2``: change the rows; True when the action was one of those."""
    parts = action.split(":")
    if len(parts) == 2 and parts[0] == "add" and parts[1] in ROWS:
        form.add_row(parts[1])
        return True
    if len(parts) == 3 and parts[0] == "remove" and parts[1] in ROWS and parts[2].isdigit():
        form.remove_row(parts[1], int(parts[2]))
        return True
    return False


def form_of(spec: ProgramSpec) -> ProgramForm:
    """The builder's fields for a version's spec."""
    form = ProgramForm()
    for name in SIMPLE:
        value = getattr(spec, name)
        form.fields[name] = "" if value is None else str(value)
    for name in FLAGS:
        form.fields[name] = "1" if getattr(spec, name) else ""
    for item in spec.inputs:
        row = {k: "" if v is None else str(v) for k, v in msgspec.to_builtins(item).items()}
        row["required"] = "1" if item.required else ""
        form.rows["inputs"].append(row)
    for doc in spec.documents:
        form.rows["documents"].append({"key": doc.key, "label_zh": doc.label_zh, "label_en": doc.label_en,
                                       "types": list(doc.types), "required": "1" if doc.required else ""})
    for rule in spec.eligibility:
        fact = f"certified:{rule.scheme}" if rule.kind == "certified" else rule.kind
        form.rows["rules"].append({"fact": fact, "expr": rule.expr, "message_zh": rule.message_zh,
                                   "message_en": rule.message_en})
    form.rows["constants"] = [{"name": k, "value": str(v)} for k, v in spec.constants.items()]
    form.rows["stages"] = [{"role": role} for role in spec.stages]
    return form


def _blank(row: dict[str, Any], kind: str) -> bool:
    """A row nobody filled in (an added row left empty is not part of the program)."""
    if kind in ("stages", "rules"):
        return not row.get("role" if kind == "stages" else "fact")
    ignore = {"inputs": ("type", "required"), "documents": ("types", "required"), "constants": ()}[kind]
    return not any(str(v).strip() for k, v in row.items() if k not in ignore)


def _number(value: str, name: str, errors: dict[str, FieldError]) -> Decimal | None:
    text = value.strip().replace(",", "")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        errors[name] = FieldError(N_("Write a number, e.g. 500000 or 1234.56."))
        return None
    return number


def spec_of(form: ProgramForm, scheme_keys: set[str]) -> tuple[ProgramSpec, CompiledProgram]:
    """Validate the form into a spec and its compiled program; raises BuilderErrors."""
    errors: dict[str, FieldError] = {}
    raw: dict[str, Any] = {}
    for name in SIMPLE:
        value = form.get(name).strip()
        if value or name in ("key", "subject", "name_zh", "name_en", "formula"):
            raw[name] = value
    if "cap" in raw:
        raw["cap"] = _number(raw["cap"], "cap", errors)
        if raw["cap"] is None:
            del raw["cap"]
    if "notice_days" in raw:
        days = raw["notice_days"]
        if not days.isdigit():
            errors["notice_days"] = FieldError(N_("Write a whole number of days from 0 to 30."))
        raw["notice_days"] = int(days) if days.isdigit() else 7
    for name in FLAGS:
        raw[name] = form.get(name) == "1"
    where: dict[str, list[int]] = {}  # spec list → the posted row index of each item
    for kind in ROWS:
        kept = [(i, row) for i, row in enumerate(form.rows[kind]) if not _blank(row, kind)]
        where[SPEC_LIST.get(kind, kind)] = [i for i, _ in kept]
        if kind == "inputs":
            raw["inputs"] = [_input(i, row, errors) for i, row in kept]
        elif kind == "documents":
            raw["documents"] = [
                {"key": row.get("key", "").strip(), "label_zh": row.get("label_zh", "").strip(),
                 "label_en": row.get("label_en", "").strip(), "types": list(row.get("types") or []),
                 "required": row.get("required") == "1"} for _, row in kept]
        elif kind == "rules":
            raw["eligibility"] = [_rule(row) for _, row in kept]
        elif kind == "constants":
            constants: dict[str, Any] = {}
            for i, row in kept:
                name = row.get("name", "").strip()
                number = _number(row.get("value", ""), f"constants-{i}-value", errors)
                if number is None and f"constants-{i}-value" not in errors:
                    errors[f"constants-{i}-value"] = FieldError(N_("Give the constant a value."))
                if name in constants:
                    errors[f"constants-{i}-name"] = FieldError(N_("This name is used twice."))
                elif not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", name):
                    errors[f"constants-{i}-name"] = FieldError(
                        N_("Names are lower-case letters, digits and '_', starting with a letter."))
                constants[name] = number if number is not None else Decimal(0)
            raw["constants"] = constants
        else:
            raw["stages"] = [row["role"] for _, row in kept]
    if errors:
        raise BuilderErrors(errors)
    try:
        spec = convert(raw, ProgramSpec)
        compiled = check(spec, scheme_keys, "program")
    except ProgramError as exc:
        sources = {"formula": form.get("formula").strip()}
        sources |= {f"rules-{i}-expr": str(row.get("expr", "")).strip() for i, row in enumerate(form.rows["rules"])}
        name, error = from_program_error(exc, where, sources)
        raise BuilderErrors({name: error}) from None
    return spec, compiled


def _input(i: int, row: Mapping[str, Any], errors: dict[str, FieldError]) -> dict[str, Any]:
    item: dict[str, Any] = {
        "key": row.get("key", "").strip(),
        "type": row.get("type", "").strip(),
        "label_zh": row.get("label_zh", "").strip(),
        "label_en": row.get("label_en", "").strip(),
        "required": row.get("required") == "1",
    }
    if unit := row.get("unit", "").strip():
        item["unit"] = unit
    for bound in ("min", "max"):
        value = _number(row.get(bound, ""), f"inputs-{i}-{bound}", errors)
        if value is not None:
            item[bound] = value
    return item


def _rule(row: Mapping[str, Any]) -> dict[str, Any]:
    fact = row.get("fact", "").strip()
    if fact.startswith("certified:"):
        return {"kind": "certified", "scheme": fact.removeprefix("certified:")}
    rule: dict[str, Any] = {"kind": fact}
    if fact == "input":
        rule |= {k: row.get(k, "").strip() for k in ("expr", "message_zh", "message_en")}
    return rule
