"""``tier()`` and ``progressive()`` of the funding formula language: a list of brackets as the second
argument, thresholds and bounds as number literals (checked to ascend when compiling), amounts and
rates as any numeric expression. The compiler (:class:`pilotzone.funding.formula._Compiler`) takes
them as its ``call_tier`` and ``call_progressive``."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from pilotzone.funding.formula_syntax import Call, Inf, ListLit, Name, Node, Num, Unary
from pilotzone.funding.formula_values import NUM, ZERO, Fn, NumFn, _Run, text

if TYPE_CHECKING:
    from pilotzone.funding.formula import _Compiler


def literal(c: _Compiler, node: Node, what: str) -> Decimal:
    """A number literal (optionally negative) in a tier/progressive list."""
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Unary) and node.op == "-" and isinstance(node.operand, Num):
        return -node.operand.value
    raise c.error(node, f"{what} must be a number literal")


def brackets(c: _Compiler, node: Call) -> list[ListLit]:
    arg = node.args[1]
    if not isinstance(arg, ListLit) or not arg.items:
        raise c.error(arg, f"{node.func}() needs a list of brackets as its second argument")
    return [item for item in arg.items if isinstance(item, ListLit)]


def call_tier(c: _Compiler, node: Call) -> tuple[Fn, str]:
    x = c.number(node.args[0])
    of = {"of": node.args[0].name} if isinstance(node.args[0], Name) else {}
    tiers: list[tuple[Decimal, NumFn]] = []
    for item in brackets(c, node):
        if len(item.items) != 2:
            raise c.error(item, "a tier is [threshold, amount]")
        threshold = literal(c, item.items[0], "a tier threshold")
        if tiers and threshold <= tiers[-1][0]:
            raise c.error(item.items[0], f"tier thresholds must ascend ({text(threshold)} after {text(tiers[-1][0])})")
        tiers.append((threshold, c.number(item.items[1])))

    def tier(run: _Run) -> Decimal:
        value = x(run)
        chosen = None
        for threshold, amount in tiers:
            if threshold <= value:
                chosen = (threshold, amount)
            else:
                break
        if chosen is None:
            return c.record(
                node, run, ZERO, f"{text(value)} 低于最低门槛，为 0", f"{text(value)} is below every threshold: 0",
                x=text(value), **of,
            )
        result = chosen[1](run)
        t = text(chosen[0])
        return c.record(
            node, run, result, f"{text(value)} ≥ 门槛 {t}，对应金额", f"{text(value)} reaches threshold {t}",
            x=text(value), threshold=t, **of,
        )

    return tier, NUM


def call_progressive(c: _Compiler, node: Call) -> tuple[Fn, str]:
    x = c.number(node.args[0])
    bounds: list[tuple[Decimal | None, NumFn]] = []  # None: open (no upper bound)
    items = brackets(c, node)
    for i, item in enumerate(items):
        last = i == len(items) - 1
        if len(item.items) == 1 and last:
            bounds.append((None, c.number(item.items[0])))
            continue
        if len(item.items) != 2:
            raise c.error(item, "a bracket is [upto, rate] (only the last may be open: [rate])")
        if isinstance(item.items[0], Inf):
            if not last:
                raise c.error(item.items[0], "only the last bracket may be 'inf'")
            bounds.append((None, c.number(item.items[1])))
            continue
        upto = literal(c, item.items[0], "a bracket bound")
        previous = bounds[-1][0] if bounds else ZERO
        assert previous is not None
        if upto <= previous:
            raise c.error(item.items[0], f"bracket bounds must ascend above 0 ({text(upto)} after {text(previous)})")
        bounds.append((upto, c.number(item.items[1])))

    def progressive(run: _Run) -> Decimal:
        value = x(run)
        total, lower, parts = ZERO, ZERO, []
        for upto, rate in bounds:
            if value <= lower:
                break
            top = value if upto is None else min(value, upto)
            r = rate(run)
            total += (top - lower) * r
            parts.append(f"({text(top)}-{text(lower)})×{text(r)}")
            if upto is None:
                break
            lower = upto
        detail = " + ".join(parts) or "0"
        return c.record(node, run, total, f"分段累进：{detail}", f"marginal brackets: {detail}")

    return progressive, NUM
