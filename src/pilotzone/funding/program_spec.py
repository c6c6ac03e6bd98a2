"""The shape of a funding program (``tenants/<slug>/programs.toml``, the editor, ``ProgramVersion.spec``):
msgspec structs, strict (unknown fields refused). The checks beyond the types are in
:func:`pilotzone.funding.programs.check`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from pilotzone.web.formats import DIGITS, MoneyUnit
from pilotzone.workflow.definitions import DocumentSpec, Key, Label, Strict, stored_decoder

SUBJECTS = ("enterprise", "park", "overseas_warehouse", "talent")
INPUT_TYPES = ("decimal", "integer", "amount", "boolean", "text", "date")
FORMULA_TYPES = ("decimal", "integer", "amount", "boolean")  # the inputs a formula can name
MONEY_UNITS = tuple(DIGITS)  # 元, 万元: an input stating one of these as its unit is an amount

RoundKey = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9_-]{1,39}$")]
Name = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{0,39}$")]  # usable in formulas
Money = Decimal  # checked (>= 0, whole fen) in check()


_Strict = Strict
DEFAULT_STAGES = ("bureau_reviewer", "bureau_admin")  # a program's review stages unless it names its own


class InputSpec(_Strict):
    key: Name
    type: Literal["decimal", "integer", "amount", "boolean", "text", "date"]
    label_zh: Label
    label_en: Label
    unit: str = ""  # of a quantity (m², 月); an amount is in the program's unit
    required: bool = True
    min: Decimal | None = None
    max: Decimal | None = None


class RuleSpec(_Strict):
    kind: Literal["certified", "not_on_negative_list", "registered", "input"]
    scheme: str = ""  # certified: a scheme key of the same tenant
    expr: str = ""  # input: a boolean expression over inputs and constants
    message_zh: str = ""
    message_en: str = ""


class RoundSpec(_Strict):
    key: RoundKey
    name_zh: Label
    name_en: Label
    budget: Money
    opens: date
    closes: date
    allocation: Literal["pro_rata", "ranked", "first_come"] | None = None  # default: the program's
    partial: bool | None = None


class ProgramSpec(_Strict):
    key: Key
    subject: Literal["enterprise", "park", "overseas_warehouse", "talent"]
    name_zh: Label
    name_en: Label
    formula: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]
    description_zh: str = ""
    description_en: str = ""
    policy_zh: str = ""  # the policy clause the program implements
    example_parameters: bool = False
    # the unit the applicant declares amounts in; formulas, constants, cap, budgets and awards are in 元
    unit: MoneyUnit = MoneyUnit.YUAN
    inputs: list[InputSpec] = []
    documents: list[DocumentSpec] = []
    eligibility: list[RuleSpec] = []
    constants: dict[str, Decimal] = {}
    cap: Money | None = None
    allocation: Literal["pro_rata", "ranked", "first_come"] = "pro_rata"
    partial: bool = False
    notice_days: Annotated[int, msgspec.Meta(ge=0, le=30)] = 7  # award 公示 after approval
    stages: Annotated[list[str], msgspec.Meta(min_length=1)] = msgspec.field(
        default_factory=lambda: list(DEFAULT_STAGES)
    )
    rounds: list[RoundSpec] = []


class ProgramsFile(_Strict):
    programs: list[ProgramSpec] = []


# A stored spec (``ProgramVersion.spec``: the JSON of ``programs.to_json``, no rounds) as a ProgramSpec,
# decoded once per version and process. A version stored without a spec (a bare test program's ``{}``)
# reads as a program without inputs, documents or rules.
BLANK = {"key": "blank", "subject": "enterprise", "name_zh": "—", "name_en": "—", "formula": "0"}
from_stored = stored_decoder(ProgramSpec, blank=BLANK)
