"""The values of the funding formula language (:mod:`pilotzone.funding.formula`): numbers in a local
decimal context of 60 significant digits, booleans, and the steps an evaluation records to explain an
amount."""

from __future__ import annotations

import decimal
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from pilotzone.funding.formula_syntax import FormulaError

CONTEXT = decimal.Context(
    prec=60,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.DivisionByZero, decimal.InvalidOperation, decimal.Overflow],
)
FEN = Decimal("0.01")
ZERO = Decimal(0)
Value = Decimal | bool
NUM, BOOL, ANY = "number", "boolean", "any"


class EvaluationError(FormulaError):
    """Division by zero, a missing or mistyped value: raised by :meth:`Formula.evaluate`."""


@dataclass
class Step:
    """One step: the formula text and its exact value with notes (what staff see), and ``kind`` and
    ``args`` (exact texts) from which :mod:`pilotzone.funding.explain` says it in words: ``name``
    {name}, ``tier`` {x, threshold (absent below every threshold), of (the name tested, if a name)},
    ``if`` {branch: first | second}, ``min``, ``max``, ``round_fen``, ``progressive``."""

    expr: str
    value: str
    note_zh: str = ""
    note_en: str = ""
    kind: str = ""
    args: dict[str, str] = field(default_factory=dict)


@dataclass
class Evaluation:
    value: Value
    steps: list[Step] = field(default_factory=list)


def text(value: Value) -> str:
    """The exact text of a value: ``true``/``false`` or a plain decimal without exponent."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return format(value, "f")


def round_fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=decimal.ROUND_HALF_UP)


class _Run:
    """One evaluation: the values, the steps so far and the names already recorded."""

    __slots__ = ("env", "steps", "seen")

    def __init__(self, env: Mapping[str, Value]) -> None:
        self.env, self.steps, self.seen = env, list[Step](), set[str]()


Fn = Callable[[_Run], Value]
NumFn = Callable[[_Run], Decimal]  # an Fn of kind NUM
BoolFn = Callable[[_Run], bool]  # an Fn of kind BOOL
V = TypeVar("V", Decimal, bool, Value)
