"""Every mistake the formula compiler can report is said in words an officer understands (never the
fallback that quotes the compiler), at the right line and column; definitions survive TOML exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pilotzone.funding.builder_words import FieldError, at_position, formula_error
from pilotzone.funding.formula import FormulaError, compile_formula
from pilotzone.funding.program_spec import ProgramSpec
from pilotzone.funding.programs import convert, to_json
from pilotzone.workflow.spec_toml import SpecFileError, dumps, loads_one

NAMES = ["exports", "flag", "rate"]
BAD = [
    "exports * rat",  # unknown name
    "maxx(exports, 1)",  # unknown function
    "exports # 2",  # character
    "min(exports, 2",  # missing )
    "tier(exports, [[1, 2]",  # missing ]
    "",  # empty
    "exports *",  # ends early
    "exports * )",  # value missing before
    "1 < exports < 5",  # chained comparison
    "min()",  # arguments
    "if(exports, 1)",  # arguments
    "tier(exports, [1, 2])",  # tier shape
    "tier(exports, [[5, 1], [2, 3]])",  # ascending thresholds
    "progressive(exports, [[5, 0.1], [2, 0.2]])",  # ascending brackets
    "1__000",  # misplaced _
    "tier(exports, [[rate, 1]])",  # number literal
    "exports and 1",  # kind
    "if(exports > 1, 1, exports > 2)",  # if branches
    "[1, 2]",  # a list alone
    "exports > true",  # compare kinds
    "exports 5",  # unexpected
]


@pytest.mark.parametrize("source", BAD)
def test_every_compiler_message_has_words(source: str) -> None:
    with pytest.raises(FormulaError) as caught:
        compile_formula(source, NAMES, key="formula")
    words = formula_error(caught.value.message)
    assert "cannot be read" not in words.message, caught.value.message


def test_line_and_column() -> None:
    error = at_position(FieldError("x"), "min(a,\n  b) * c", 12)
    assert (error.line, error.column, error.source_line) == (2, 6, "  b) * c")


def test_toml_keeps_every_character_and_number() -> None:
    spec = convert({
        "key": "odd", "subject": "park", "name_zh": "引号\"与\\反斜杠", "name_en": "tab\tand\nnewline 🚢",
        "formula": "x * 1E+3", "constants": {"x": Decimal("1E+3"), "y": Decimal("0.000001"), "z": Decimal("-2.50")},
        "cap": Decimal("100.10"),
    }, ProgramSpec)  # fmt: skip
    text = dumps("programs", spec, drop=("rounds",))
    again = convert(loads_one(text, "programs"), ProgramSpec)
    assert to_json(again) == to_json(spec)
    with pytest.raises(SpecFileError):
        loads_one(text + "\n" + text, "programs")  # two entries
    with pytest.raises(SpecFileError):
        loads_one("[[schemes]]\nkey = 'a'\n", "programs")
    with pytest.raises(SpecFileError):
        loads_one("[[programs]\n", "programs")
