"""The funding formula language: a small safe expression language over ``Decimal``.

Source → tokens → AST (recursive descent) → Python closures, once per program version. No ``eval``,
no float anywhere: literals are parsed from their text, arithmetic runs in a local decimal context with
60 significant digits. Grammar (lowest precedence first)::

    expr    := or
    or      := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | cmp
    cmp     := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)?
    sum     := product (("+" | "-") product)*
    product := unary (("*" | "/") unary)*
    unary   := "-" unary | primary
    primary := NUMBER | "true" | "false" | NAME | NAME "(" args ")" | "(" expr ")"

Functions: ``if(c, a, b)`` (lazy), ``min(…)``, ``max(…)``, ``tier(x, [[threshold, amount], …])``,
``progressive(x, [[upto, rate], …])`` (the last bracket may be ``[inf, rate]`` or open ``[rate]``),
``round_fen(x)``, ``coalesce(a, b, …)`` (the first argument that is not 0, else the last: a trade fact
where there is a figure, else a declared input). List literals appear only as the second argument of tier/progressive; thresholds and
bounds there are number literals, amounts and rates may be any numeric expression. Every evaluation
records its steps (each call and named value used, as exact text) to explain an amount in zh and en.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import cast

from pilotzone.funding.formula_brackets import call_progressive as _progressive
from pilotzone.funding.formula_brackets import call_tier as _tier
from pilotzone.funding.formula_syntax import (
    Binary,
    Bool,
    Call,
    FormulaError,
    Inf,
    ListLit,
    Name,
    Node,
    Num,
    Unary,
    parse,
)
from pilotzone.funding.formula_values import (
    ANY,
    BOOL,
    CONTEXT,
    NUM,
    BoolFn,
    Evaluation,
    EvaluationError,
    Fn,
    NumFn,
    Step,
    V,
    Value,
    _Run,
    round_fen,
    text,
)


class Formula:
    """A compiled formula: call :meth:`evaluate` as often as needed; nothing is parsed again."""

    def __init__(self, source: str, key: str, names: frozenset[str], fn: Fn, kind: str) -> None:
        self.source, self.key, self.names, self._fn, self.kind = source, key, names, fn, kind

    def evaluate(self, env: Mapping[str, Value]) -> Evaluation:
        run = _Run(env)
        with decimal.localcontext(CONTEXT):
            try:
                value = self._fn(run)
            except decimal.DecimalException as exc:  # overflow and the like; division is checked
                raise EvaluationError(self.key, 0, f"arithmetic error ({type(exc).__name__})") from None
        return Evaluation(value, run.steps)

    def __repr__(self) -> str:
        return f"Formula({self.source!r})"


def compile_formula(source: str, names: Iterable[str], *, key: str = "formula") -> Formula:
    """Parse and compile; raises :class:`FormulaError` (key, 0-based position, message)."""
    tree = parse(source, key)
    compiler = _Compiler(source, key, frozenset(names))
    fn, kind = compiler.compile(tree)
    return Formula(source, key, frozenset(compiler.used), fn, kind)


def explanation(steps: list[Step], locale: str) -> list[str]:
    """Readable lines, one per step: ``expr = value (note)`` in the locale's language."""
    lines = []
    for step in steps:
        zh = locale.lower().startswith("zh")
        note = step.note_zh if zh else step.note_en
        line = f"{step.expr} = {step.value}"
        if note:
            line += f"（{note}）" if zh else f" ({note})"
        lines.append(line)
    return lines


class _Compiler:
    def __init__(self, source: str, key: str, names: frozenset[str]) -> None:
        self.source, self.key, self.names = source, key, names
        self.used: set[str] = set()

    def error(self, node: Node, message: str) -> FormulaError:
        return FormulaError(self.key, node.start, message)

    def snippet(self, node: Node) -> str:
        return self.source[node.start : node.end]

    def compile(self, node: Node) -> tuple[Fn, str]:
        if isinstance(node, Num):
            value = node.value
            return (lambda run: value), NUM
        if isinstance(node, Bool):
            flag = node.value
            return (lambda run: flag), BOOL
        if isinstance(node, Name):
            return self.name(node)
        if isinstance(node, Unary):
            return self.unary(node)
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Call):
            return getattr(self, "call_" + node.func)(node)
        if isinstance(node, (ListLit, Inf)):
            raise self.error(node, "a list is only allowed as the second argument of tier() or progressive()")
        raise AssertionError(node)  # pragma: no cover

    def want(self, node: Node, kind: str) -> Fn:
        """Compile ``node`` and check (statically where known, else at run time) that it is ``kind``."""
        fn, got = self.compile(node)
        if got not in (kind, ANY):
            raise self.error(node, f"expected a {kind}, this is a {got}")
        if got == kind:
            return fn
        key, pos, label = self.key, node.start, self.snippet(node)

        def checked(run: _Run) -> Value:
            value = fn(run)
            if isinstance(value, bool) != (kind == BOOL):
                raise EvaluationError(key, pos, f"'{label}' should be a {kind}, it is {text(value)}")
            return value

        return checked

    def number(self, node: Node) -> NumFn:
        """``want(node, NUM)``, typed: the kind was checked when compiling or is checked at each run."""
        return cast(NumFn, self.want(node, NUM))

    def boolean(self, node: Node) -> BoolFn:  # want(node, BOOL), typed as number()
        return cast(BoolFn, self.want(node, BOOL))

    def name(self, node: Name) -> tuple[Fn, str]:
        name = node.name
        if name not in self.names:
            raise self.error(node, f"unknown name '{name}'")
        self.used.add(name)
        key, pos = self.key, node.start
        note_zh, note_en = f"{name} 的取值", f"value of {name}"
        args = {"name": name}

        def fetch(run: _Run) -> Value:
            try:
                value = run.env[name]
            except KeyError:
                raise EvaluationError(key, pos, f"no value for '{name}'") from None
            if isinstance(value, int) and not isinstance(value, bool):
                value = Decimal(value)
            elif not isinstance(value, (Decimal, bool)):
                raise EvaluationError(key, pos, f"'{name}' must be a Decimal or a boolean, not {type(value).__name__}")
            if name not in run.seen:
                run.seen.add(name)
                run.steps.append(Step(name, text(value), note_zh, note_en, "name", args))
            return value

        return fetch, ANY

    def unary(self, node: Unary) -> tuple[Fn, str]:
        if node.op == "-":
            number = self.number(node.operand)
            return (lambda run: -number(run)), NUM
        condition = self.boolean(node.operand)
        return (lambda run: not condition(run)), BOOL

    def binary(self, node: Binary) -> tuple[Fn, str]:
        op = node.op
        if op in ("and", "or"):
            p, q = self.boolean(node.left), self.boolean(node.right)
            if op == "and":
                return (lambda run: p(run) and q(run)), BOOL
            return (lambda run: p(run) or q(run)), BOOL
        if op in ("==", "!="):
            left, lkind = self.compile(node.left)
            right, rkind = self.compile(node.right)
            if ANY not in (lkind, rkind) and lkind != rkind:
                raise self.error(node, f"cannot compare a {lkind} with a {rkind}")
            key, pos = self.key, node.start

            def equal(run: _Run) -> bool:
                a, b = left(run), right(run)
                if isinstance(a, bool) != isinstance(b, bool):
                    raise EvaluationError(key, pos, "cannot compare a number with a boolean")
                return (a == b) == (op == "==")

            return equal, BOOL
        left, right = self.number(node.left), self.number(node.right)
        if op == "+":
            return (lambda run: left(run) + right(run)), NUM
        if op == "-":
            return (lambda run: left(run) - right(run)), NUM
        if op == "*":
            return (lambda run: left(run) * right(run)), NUM
        if op == "/":
            key, pos, label = self.key, node.right.start, self.snippet(node.right)

            def divide(run: _Run) -> Decimal:
                a, b = left(run), right(run)
                if b == 0:
                    raise EvaluationError(key, pos, f"division by zero ('{label}' is 0)")
                return a / b

            return divide, NUM
        compare = {
            "<": lambda a, b: a < b,
            "<=": lambda a, b: a <= b,
            ">": lambda a, b: a > b,
            ">=": lambda a, b: a >= b,
        }[op]
        return (lambda run: compare(left(run), right(run))), BOOL

    def record(self, node: Node, run: _Run, value: V, note_zh: str = "", note_en: str = "", **args: str) -> V:
        kind = node.func if isinstance(node, Call) else ""
        run.steps.append(Step(self.snippet(node), text(value), note_zh, note_en, kind, args))
        return value

    def call_if(self, node: Call) -> tuple[Fn, str]:
        cond = self.boolean(node.args[0])
        yes, ykind = self.compile(node.args[1])
        no, nkind = self.compile(node.args[2])
        if ANY not in (ykind, nkind) and ykind != nkind:
            raise self.error(node, f"both branches of if() must have one type ({ykind} / {nkind})")

        def choose(run: _Run) -> Value:
            if cond(run):
                return self.record(node, run, yes(run), "条件成立，取第一个值", "condition true: first value", branch="first")
            return self.record(node, run, no(run), "条件不成立，取第二个值", "condition false: second value", branch="second")

        return choose, ykind if ykind == nkind else ANY

    def call_min(self, node: Call) -> tuple[Fn, str]:
        args = [self.number(arg) for arg in node.args]
        return (lambda run: self.record(node, run, min(a(run) for a in args), "取最小值", "the smallest")), NUM

    def call_max(self, node: Call) -> tuple[Fn, str]:
        args = [self.number(arg) for arg in node.args]
        return (lambda run: self.record(node, run, max(a(run) for a in args), "取最大值", "the largest")), NUM

    def call_coalesce(self, node: Call) -> tuple[Fn, str]:
        args = [self.number(arg) for arg in node.args]

        def coalesce(run: _Run) -> Decimal:  # the first that is not 0 (else the last); later ones never run
            i, value = next(((i, v) for i, a in enumerate(args) if (v := a(run)) != 0 or i == len(args) - 1))
            zh, en = ("取第 1 个值（不为 0）", "argument 1 (not 0)") if i == 0 else (
                f"取第 {i + 1} 个值（前面的为 0）", f"argument {i + 1} (the ones before are 0)")
            return self.record(node, run, value, zh, en, chosen=str(i + 1))

        return coalesce, NUM

    def call_round_fen(self, node: Call) -> tuple[Fn, str]:
        arg = self.number(node.args[0])
        return (
            lambda run: self.record(node, run, round_fen(arg(run)), "四舍五入到分", "rounded half-up to the fen")
        ), NUM

    call_tier = _tier  # tier() and progressive(): formula_brackets
    call_progressive = _progressive
