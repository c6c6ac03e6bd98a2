"""The scheme builder's form: rows of fields, documents, scoring criteria and review stages as posted
fields (``fields-0-key``, ``criteria-1-weight`` …), never TOML. ``parse(posted)``, ``form_of(spec)`` and
``spec_of(form, prefix)`` (validated like ``tenants sync``; raises :class:`SchemeFormErrors` keyed by the
form's field names, messages as message ids with parameters)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from pilotzone.certification.schemes import SchemeError, SchemeSpec, _check_scheme
from pilotzone.web.labels import N_

SIMPLE = ("key", "subject", "name_zh", "name_en", "policy_zh", "unit", "pass_mark", "certificate_format",
          "validity_months", "notice_days", "renewal_reminder_days")
NUMBERS = ("pass_mark", "validity_months", "notice_days", "renewal_reminder_days")
ROWS: dict[str, tuple[str, ...]] = {
    "fields": ("key", "label_zh", "label_en", "type", "required", "min", "max", "max_length", "options",
               "help_zh", "help_en"),
    "documents": ("key", "label_zh", "label_en", "types", "required"),
    "criteria": ("key", "label_zh", "label_en", "weight", "scale"),
    "stages": ("role",),
}
BLANK_ROW: dict[str, dict[str, Any]] = {
    "fields": {"type": "text", "required": "1"},
    "documents": {"types": ["application/pdf"], "required": "1"},
    "criteria": {"scale": "10"},
    "stages": {"role": "bureau_reviewer"},
}
_ROW = re.compile(r"^(?P<kind>fields|documents|criteria|stages)-(?P<i>\d{1,3})-(?P<col>[a-z_]+)$")


@dataclass
class SchemeForm:
    fields: dict[str, Any] = field(default_factory=dict)  # the simple fields; "applicants": a list
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {kind: [] for kind in ROWS})

    def get(self, name: str) -> str:
        return str(self.fields.get(name) or "")


@dataclass
class Problem:
    message: str  # a message id (N_)
    params: dict[str, str] = field(default_factory=dict)


class SchemeFormErrors(ValueError):
    def __init__(self, errors: dict[str, Problem]) -> None:
        self.errors = errors
        super().__init__(", ".join(errors))


def new_form(prefix: str) -> SchemeForm:
    form = SchemeForm(fields={"subject": "enterprise", "unit": "元", "pass_mark": "60", "validity_months": "36",
                              "notice_days": "7", "renewal_reminder_days": "60", "applicants": ["enterprise_user"],
                              "certificate_format": f"{prefix}-XX-{{year}}-{{seq:04}}"})
    form.rows["fields"] = [dict(BLANK_ROW["fields"])]
    form.rows["documents"] = [dict(BLANK_ROW["documents"])]
    form.rows["criteria"] = [{"scale": "10", "weight": "100"}]
    form.rows["stages"] = [{"role": "bureau_reviewer"}, {"role": "bureau_admin"}]
    return form


def parse(posted: Any) -> SchemeForm:
    form = SchemeForm()
    for name in SIMPLE:
        form.fields[name] = str(posted.get(name) or "")
    form.fields["applicants"] = [str(v) for v in posted.getall("applicants")] if "applicants" in posted else []
    found: dict[str, dict[int, dict[str, Any]]] = {kind: {} for kind in ROWS}
    for name in posted:
        if (m := _ROW.match(name)) is not None and m["col"] in ROWS[m["kind"]]:
            row = found[m["kind"]].setdefault(int(m["i"]), {})
            many = m["col"] == "types"
            row[m["col"]] = [str(v) for v in posted.getall(name)] if many else str(posted.get(name) or "")
    for kind, rows in found.items():
        form.rows[kind] = [rows[i] for i in sorted(rows)]
    return form


def apply_action(form: SchemeForm, action: str) -> bool:
    parts = action.split(":")
    if len(parts) == 2 and parts[0] == "add" and parts[1] in ROWS:
        form.rows[parts[1]].append(dict(BLANK_ROW[parts[1]]))
        return True
    if len(parts) == 3 and parts[0] == "remove" and parts[1] in ROWS and parts[2].isdigit():
        if int(parts[2]) < len(form.rows[parts[1]]):
            del form.rows[parts[1]][int(parts[2])]
        return True
    return False


def form_of(spec: SchemeSpec) -> SchemeForm:
    form = SchemeForm()
    for name in SIMPLE:
        form.fields[name] = str(getattr(spec, name))
    form.fields["applicants"] = list(spec.applicants)
    for item in spec.fields:
        options = "\n".join(
            f"{key} | {zh} | {en}" for key, zh, en in zip(item.options, item.option_labels_zh, item.option_labels_en, strict=False)
        )
        form.rows["fields"].append({
            "key": item.key, "label_zh": item.label_zh, "label_en": item.label_en, "type": item.type,
            "required": "1" if item.required else "", "min": _text(item.min), "max": _text(item.max),
            "max_length": _text(item.max_length), "options": options, "help_zh": item.help_zh, "help_en": item.help_en,
        })  # fmt: skip
    for doc in spec.documents:
        form.rows["documents"].append({"key": doc.key, "label_zh": doc.label_zh, "label_en": doc.label_en,
                                       "types": list(doc.types), "required": "1" if doc.required else ""})
    form.rows["criteria"] = [{"key": c.key, "label_zh": c.label_zh, "label_en": c.label_en, "weight": str(c.weight),
                              "scale": str(c.scale)} for c in spec.criteria]
    form.rows["stages"] = [{"role": role} for role in spec.stages]
    return form


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _blank(row: dict[str, Any], kind: str) -> bool:
    if kind == "stages":
        return not row.get("role")
    ignore = {"fields": ("type", "required"), "documents": ("types", "required"), "criteria": ("scale",)}[kind]
    return not any(str(v).strip() for k, v in row.items() if k not in ignore)


def spec_of(form: SchemeForm, prefix: str) -> SchemeSpec:
    """The validated spec; raises SchemeFormErrors."""
    errors: dict[str, Problem] = {}
    raw: dict[str, Any] = {name: form.get(name).strip() for name in SIMPLE}
    raw["applicants"] = list(form.fields.get("applicants") or [])
    for name in NUMBERS:
        if not raw[name].isdigit():
            errors[name] = Problem(N_("Write a whole number."))
        raw[name] = int(raw[name]) if raw[name].isdigit() else 1
    where: dict[str, list[int]] = {}
    for kind in ROWS:
        kept = [(i, row) for i, row in enumerate(form.rows[kind]) if not _blank(row, kind)]
        where[kind] = [i for i, _ in kept]
        if kind == "stages":
            raw["stages"] = [row["role"] for _, row in kept]
        elif kind == "documents":
            raw["documents"] = [{"key": r.get("key", "").strip(), "label_zh": r.get("label_zh", "").strip(),
                                 "label_en": r.get("label_en", "").strip(), "types": list(r.get("types") or []),
                                 "required": r.get("required") == "1"} for _, r in kept]
        elif kind == "criteria":
            raw["criteria"] = [_criterion(i, r, errors) for i, r in kept]
        else:
            raw["fields"] = [_field(i, r, errors) for i, r in kept]
    if errors:
        raise SchemeFormErrors(errors)
    try:
        spec = msgspec.convert(raw, SchemeSpec, strict=False)
    except msgspec.ValidationError as exc:
        text = str(exc)
        m = re.match(r"^(?P<reason>.*?)(?: - at `\$\.?(?P<key>[^`]*)`)?$", text, re.S)
        key, reason = (m["key"] or "form", m["reason"]) if m else ("form", text)
        raise SchemeFormErrors({_field_name(key, where): _words(reason)}) from None
    try:
        _check_scheme(spec, "scheme", prefix)
    except SchemeError as exc:
        raise SchemeFormErrors({_field_name(exc.key, where): _words(exc.reason)}) from None
    return spec


def _number(value: str, name: str, errors: dict[str, Problem], whole: bool = False) -> Any:
    text = str(value or "").strip().replace(",", "")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or (whole and number != number.to_integral_value()):
        errors[name] = Problem(N_("Write a whole number.") if whole else N_("Write a number, e.g. 500000 or 1234.56."))
        return None
    return int(number) if whole else number


def _field(i: int, row: dict[str, Any], errors: dict[str, Problem]) -> dict[str, Any]:
    item: dict[str, Any] = {k: str(row.get(k, "")).strip() for k in ("key", "label_zh", "label_en", "type", "help_zh", "help_en")}
    item["required"] = row.get("required") == "1"
    for bound in ("min", "max"):
        if (value := _number(row.get(bound, ""), f"fields-{i}-{bound}", errors)) is not None:
            item[bound] = value
    if (length := _number(row.get("max_length", ""), f"fields-{i}-max_length", errors, whole=True)) is not None:
        item["max_length"] = length
    options = [line for line in str(row.get("options", "")).splitlines() if line.strip()]
    if options:
        parts = [[p.strip() for p in line.split("|")] for line in options]
        if any(len(p) != 3 for p in parts):
            errors[f"fields-{i}-options"] = Problem(N_("One option per line: key | Chinese label | English label."))
        else:
            item["options"] = [p[0] for p in parts]
            item["option_labels_zh"] = [p[1] for p in parts]
            item["option_labels_en"] = [p[2] for p in parts]
    return item


def _criterion(i: int, row: dict[str, Any], errors: dict[str, Problem]) -> dict[str, Any]:
    item: dict[str, Any] = {k: str(row.get(k, "")).strip() for k in ("key", "label_zh", "label_en")}
    for name in ("weight", "scale"):
        value = _number(row.get(name, ""), f"criteria-{i}-{name}", errors, whole=True)
        if value is None and f"criteria-{i}-{name}" not in errors:
            errors[f"criteria-{i}-{name}"] = Problem(N_("Write a whole number."))
        item[name] = value if value is not None else 1
    return item


_ITEM = re.compile(r"(?P<list>fields|documents|criteria|stages|applicants)\[(?P<j>\d+)\](?:\.(?P<col>\w+))?")


def _field_name(key: str, where: dict[str, list[int]]) -> str:
    if (m := _ITEM.search(key)) is not None:
        if m["list"] == "applicants":
            return "applicants"
        rows = where.get(m["list"], [])
        j = int(m["j"])
        row = rows[j] if j < len(rows) else j
        if m["list"] == "stages":
            return f"stages-{row}-role"
        col = {"option_labels_zh": "options", "option_labels_en": "options"}.get(m["col"] or "key", m["col"] or "key")
        return f"{m['list']}-{row}-{col}"
    leaf = key.removeprefix("scheme.").split(".")[0].split("[")[0]
    return leaf if leaf in (*SIMPLE, "applicants", "criteria", "stages") else "form"


_WORDS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Expected `str` of length >= 1$|^Object missing required field"), N_("This field is required.")),
    (re.compile(r"^Expected `str` matching regex"), N_("Use 2 to 40 lower-case letters, digits, '-' or '_', starting with a letter.")),
    (re.compile(r"^Invalid enum value"), N_("Choose one of the listed values.")),
    (re.compile(r"^Expected `array` of length >= 1$"), N_("Add at least one row.")),
    (re.compile(r"^Expected `int` (?:>=|<=) "), N_("This number is outside what is allowed.")),
    (re.compile(r"^weights add up to (?P<sum>\d+), not 100$"), N_("The weights add up to %(sum)s; they must add up to 100.")),
    (re.compile(r"^duplicate key '(?P<key>.+)'$"), N_("The key “%(key)s” is used twice.")),
    (re.compile(r"^the bureau administrator decides, once, in the last stage$"), N_("The bureau administrator decides once, in the last stage.")),
    (re.compile(r"^'.+' must start with '(?P<prefix>.+)-' and contain"),
     N_("The number starts with “%(prefix)s-” and contains {seq:04} (capital letters, digits, '-', {year}).")),
    (re.compile(r"^'.+' may not apply for a"), N_("This role may not apply for this kind of subject.")),
    (re.compile(r"^a choice needs at least two options$"), N_("A choice needs at least two options.")),
    (re.compile(r"^only choice fields have options"), N_("Only a field of type “choice” has options.")),
    (re.compile(r"^min/max apply to numbers"), N_("Only numbers and amounts have a minimum and a maximum.")),
    (re.compile(r"^min (?P<min>\S+) is above max (?P<max>\S+)$"), N_("The minimum %(min)s is above the maximum %(max)s.")),
    (re.compile(r"^'.+' is not an accepted document type$"), N_("Choose file types from the list.")),
    (re.compile(r"^two schemes share one certificate number format$"), N_("Another scheme already uses this number format.")),
]


def _words(reason: str) -> Problem:
    for pattern, words in _WORDS:
        if (m := pattern.match(reason)) is not None:
            return Problem(words, {k: v for k, v in m.groupdict().items() if v is not None})
    return Problem(N_("This value cannot be used: %(detail)s"), {"detail": reason})
