"""Certification schemes as data: ``tenants/<slug>/schemes.toml``, validated before anything is written.

A scheme says what is certified (``subject``), who may apply, which fields and documents are required,
which review stages run, how applications are scored, and what certificate is issued (number format,
validity) after how many days of public notice (公示). Errors name the file, the key and the reason.
"""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

import msgspec

from pilotzone.web.formats import MoneyUnit
from pilotzone.workflow.definitions import (  # noqa: F401 - part of the scheme API
    DOCUMENT_TYPES,
    REVIEWERS,
    SUBJECTS,
    DocumentSpec,
    Key,
    Label,
    Strict,
    stored_decoder,
)

APPLICANTS = {  # who may apply for a subject of each kind
    "park": ("park_operator", "bureau_admin"),
    "enterprise": ("enterprise_user", "park_operator", "bureau_admin"),
    "overseas_warehouse": ("enterprise_user", "bureau_admin"),
    "talent": ("enterprise_user", "bureau_admin"),
}
FIELD_TYPES = ("text", "integer", "decimal", "amount", "date", "choice", "boolean")
NUMBER_FORMAT = re.compile(r"^(?:[A-Z0-9-]|\{year\}|\{seq:0[3-6]\})+$")

_Strict = Strict


class FieldSpec(_Strict):
    key: Key
    label_zh: Label
    label_en: Label
    type: Literal[
        "text", "integer", "decimal", "amount", "date", "choice", "boolean"
    ]  # amount: in the scheme's unit
    required: bool = True
    min: Decimal | None = None
    max: Decimal | None = None
    max_length: int | None = None
    options: list[Key] = []
    option_labels_zh: list[Label] = []
    option_labels_en: list[Label] = []
    help_zh: str = ""
    help_en: str = ""


class CriterionSpec(_Strict):
    key: Key
    label_zh: Label
    label_en: Label
    weight: Annotated[int, msgspec.Meta(ge=1, le=100)]
    scale: Annotated[int, msgspec.Meta(ge=1, le=100)] = 10


class SchemeSpec(_Strict):
    key: Key
    subject: Literal["park", "enterprise", "overseas_warehouse", "talent"]
    name_zh: Label
    name_en: Label
    policy_zh: str = ""  # the policy clause the scheme implements
    unit: MoneyUnit = MoneyUnit.YUAN  # the one unit of every amount field (元 or 万元)
    applicants: Annotated[list[str], msgspec.Meta(min_length=1)] = []
    stages: Annotated[list[str], msgspec.Meta(min_length=1)] = []
    fields: list[FieldSpec] = []
    documents: list[DocumentSpec] = []
    criteria: Annotated[list[CriterionSpec], msgspec.Meta(min_length=1)] = []
    pass_mark: Annotated[int, msgspec.Meta(ge=1, le=100)] = 60
    certificate_format: str = ""
    validity_months: Annotated[int, msgspec.Meta(ge=1, le=120)] = 36
    notice_days: Annotated[int, msgspec.Meta(ge=0, le=30)] = 7
    renewal_reminder_days: Annotated[int, msgspec.Meta(ge=1, le=365)] = 60


class SchemesFile(_Strict):
    schemes: list[SchemeSpec] = []


class SchemeError(ValueError):
    def __init__(self, key: str, reason: str) -> None:
        self.key, self.reason = key, reason
        super().__init__(f"key '{key}': {reason}")


_AT = re.compile(r"^(?P<reason>.*?)(?: - at `\$\.?(?P<key>[^`]*)`)?$", re.S)


def parse(path: Path, prefix: str) -> list[SchemeSpec]:
    """The schemes of one tenant; raises SchemeError(key, reason). ``prefix``: the tenant's certificate
    prefix (e.g. ``GZ``) that every number format must start with."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SchemeError("(syntax)", str(exc)) from None
    try:
        spec = msgspec.convert(raw, SchemesFile, strict=False)
    except msgspec.ValidationError as exc:
        m = _AT.match(str(exc))
        assert m is not None
        raise SchemeError(m.group("key") or "(top level)", m.group("reason")) from None
    seen: set[str] = set()
    formats: set[str] = set()
    for i, scheme in enumerate(spec.schemes):
        at = f"schemes[{i}]"
        if scheme.key in seen:
            raise SchemeError(f"{at}.key", f"duplicate scheme key '{scheme.key}'")
        seen.add(scheme.key)
        _check_scheme(scheme, at, prefix)
        if scheme.certificate_format in formats:
            raise SchemeError(f"{at}.certificate_format", "two schemes share one certificate number format")
        formats.add(scheme.certificate_format)
    return spec.schemes


def _check_scheme(scheme: SchemeSpec, at: str, prefix: str) -> None:
    for j, role in enumerate(scheme.applicants):
        if role not in APPLICANTS[scheme.subject]:
            raise SchemeError(
                f"{at}.applicants[{j}]",
                f"'{role}' may not apply for a {scheme.subject} (allowed: {', '.join(APPLICANTS[scheme.subject])})",
            )
    for j, role in enumerate(scheme.stages):
        if role not in REVIEWERS:
            raise SchemeError(
                f"{at}.stages[{j}]", f"'{role}' is not a reviewing role ({', '.join(REVIEWERS)})"
            )
    if scheme.stages.count("bureau_admin") != 1 or scheme.stages[-1] != "bureau_admin":
        raise SchemeError(f"{at}.stages", "the bureau administrator decides, once, in the last stage")
    if sum(c.weight for c in scheme.criteria) != 100:
        raise SchemeError(
            f"{at}.criteria", f"weights add up to {sum(c.weight for c in scheme.criteria)}, not 100"
        )
    fmt = scheme.certificate_format
    if not NUMBER_FORMAT.match(fmt) or "{seq:" not in fmt or not fmt.startswith(prefix + "-"):
        raise SchemeError(
            f"{at}.certificate_format",
            f"'{fmt}' must start with '{prefix}-' and contain {{seq:04}} (letters, digits, '-', {{year}})",
        )
    for kind, items in (
        ("fields", scheme.fields),
        ("documents", scheme.documents),
        ("criteria", scheme.criteria),
    ):
        keys = [item.key for item in items]
        for j, key in enumerate(keys):
            if keys.index(key) != j:
                raise SchemeError(f"{at}.{kind}[{j}].key", f"duplicate key '{key}'")
    for j, field in enumerate(scheme.fields):
        _check_field(field, f"{at}.fields[{j}]")
    for j, document in enumerate(scheme.documents):
        for k, kind in enumerate(document.types):
            if kind not in DOCUMENT_TYPES:
                raise SchemeError(
                    f"{at}.documents[{j}].types[{k}]", f"'{kind}' is not an accepted document type"
                )


def _check_field(field: FieldSpec, at: str) -> None:
    if field.type == "choice":
        if len(field.options) < 2:
            raise SchemeError(f"{at}.options", "a choice needs at least two options")
        if len(field.option_labels_zh) != len(field.options) or len(field.option_labels_en) != len(
            field.options
        ):
            raise SchemeError(f"{at}.option_labels_zh", "one Chinese and one English label per option")
    elif field.options:
        raise SchemeError(f"{at}.options", f"only choice fields have options, this is {field.type}")
    if (field.min is not None or field.max is not None) and field.type not in (
        "integer",
        "decimal",
        "amount",
    ):
        raise SchemeError(f"{at}.min", f"min/max apply to numbers, this is {field.type}")
    if field.min is not None and field.max is not None and field.min > field.max:
        raise SchemeError(f"{at}.min", f"min {field.min} is above max {field.max}")


_SEQ = re.compile(r"\{seq:0(\d)\}")


def certificate_number(fmt: str, year: int, seq: int) -> str:
    """``GZ-HWC-{year}-{seq:04}`` with 2026 and 7 → ``GZ-HWC-2026-0007``."""
    match = _SEQ.search(fmt)
    if match is None:
        raise ValueError(f"no sequence in {fmt!r}")
    return _SEQ.sub(f"{seq:0{int(match.group(1))}d}", fmt.replace("{year}", str(year)))


def to_json(scheme: SchemeSpec) -> dict:
    return msgspec.to_builtins(scheme)


def default_of(name: str) -> object:
    """The default of a SchemeSpec field (the one place it is written), e.g. for SQL that reads a
    stored spec's JSON."""
    return next(f.default for f in msgspec.structs.fields(SchemeSpec) if f.name == name)


# A stored spec (``Scheme.spec``, ``Application.spec``: the JSON of ``to_json``) as a SchemeSpec, decoded
# once per version and process.
from_stored = stored_decoder(SchemeSpec)
