"""An evaluation's steps in words for applicants ("当年跨境电商出口额 8,000 万元，达到 5,000 万元档，对应档位
奖励 30 万元"): input labels instead of names, amounts with separators in the program's unit, no formula
text. Staff also see the formula lines (:func:`formula_lines`: ``expr = value（note）``).

Steps are the dicts an evaluation stores (``CompiledProgram.evaluate``, ``calculation_result.explanation``)
or :class:`~pilotzone.funding.formula_values.Step` objects; ``kind`` and ``args`` say what a step is (older
steps without them are read by their expression: a name, else their note)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from pilotzone.funding.formula import explanation
from pilotzone.funding.formula_values import Step
from pilotzone.funding.program_spec import ProgramSpec
from pilotzone.trade.facts import TRADE_FACTS
from pilotzone.web.formats import amount, grouped, in_unit, unit_label

_FIELDS = ("expr", "value", "note_zh", "note_en", "kind", "args")


def _as_dict(step: Any) -> dict:
    if isinstance(step, dict):
        return step
    return {k: getattr(step, k, "") for k in _FIELDS}


def formula_lines(steps: list, locale: str) -> list[str]:
    """The formula view (staff): one ``expr = value（note）`` line per step."""
    return explanation(
        [
            Step(**{k: d[k] for k in ("expr", "value", "note_zh", "note_en") if k in d})
            for d in map(_as_dict, steps)
        ],
        locale,
    )


class _Words:
    def __init__(self, spec: ProgramSpec, zh: bool) -> None:
        self.zh, self.unit = zh, str(spec.unit)
        self.inputs = {f.key: f for f in spec.inputs}
        self.constants = set(spec.constants)

    def t(self, zh: str, en: str) -> str:
        return zh if self.zh else en

    def money(self, yuan: str) -> str:
        """A computed amount (formulas work in yuan) in the program's unit."""
        try:
            value = Decimal(yuan)
        except InvalidOperation:
            return yuan
        return amount(in_unit(value, self.unit), self.unit)

    def yuan(self, raw: str) -> str:
        """A trade figure: in 元 to the fen, whatever the program's unit."""
        try:
            return amount(Decimal(raw), "元")
        except InvalidOperation:
            return raw

    def label(self, name: str) -> str:
        field = self.inputs.get(name)
        if field is None:
            return name
        return field.label_zh if self.zh else field.label_en

    def quantity(self, name: str | None, raw: str) -> str:
        """A value of ``name`` as the applicant knows it: an amount in the program's unit, a number
        with its own unit, yes/no."""
        if raw in ("true", "false"):
            return self.t("是", "yes") if raw == "true" else self.t("否", "no")
        field = self.inputs.get(name or "")
        if field is not None and field.type == "amount":
            return self.money(raw)
        try:
            text = grouped(Decimal(raw))
        except InvalidOperation:
            return raw
        unit = field.unit if field is not None else ""
        return f"{text} {unit_label(unit)}" if unit else text

    def line(self, step: dict) -> str | None:
        kind, args, value = step.get("kind") or "", step.get("args") or {}, str(step.get("value", ""))
        if not kind and step.get("expr") in self.inputs.keys() | self.constants:
            kind, args = "name", {"name": step["expr"]}
        note = step.get("note_zh" if self.zh else "note_en") or ""
        if kind == "name":
            name = args.get("name", "")
            fact = TRADE_FACTS.get(name)
            if fact is not None:  # where the number came from: 官方数据（单一窗口）2025 年 9610 出口 1,234,567.00 元
                year = args.get("year")
                label = fact.label(self.zh, int(year) if year else None)
                return f"{label} {self.yuan(value)}"
            if name in self.inputs:
                return self.t(
                    f"{self.label(name)}：{self.quantity(name, value)}",
                    f"{self.label(name)}: {self.quantity(name, value)}",
                )
            return self.t(
                f"参数 {name}：{self.quantity(None, value)}",
                f"parameter {name}: {self.quantity(None, value)}",
            )
        if kind == "tier":
            of = args.get("of")
            what = f"{self.label(of)} " if of else self.t("计算值 ", "the value ")
            x = self.quantity(of, args.get("x", ""))
            if "threshold" not in args:
                return self.t(
                    f"{what}{x}，未达到最低档位，档位奖励为 0",
                    f"{what}{x} is below every tier: no tier award",
                )
            threshold = self.quantity(of, args["threshold"])
            return self.t(
                f"{what}{x}，达到 {threshold} 这一档，对应档位奖励 {self.money(value)}",
                f"{what}{x} reaches the {threshold} tier: tier award {self.money(value)}",
            )
        shown = self.quantity(None, value) if value in ("true", "false") else self.money(value)
        simple = {
            "if": (
                (f"条件成立，计 {shown}", f"condition met: {shown}")
                if args.get("branch") == "first"
                else (f"条件不成立，计 {shown}", f"condition not met: {shown}")
            ),
            "min": (f"取较小者：{shown}", f"the smaller: {shown}"),
            "max": (f"取较大者：{shown}", f"the larger: {shown}"),
            "round_fen": (f"四舍五入到分：{shown}", f"rounded to the fen: {shown}"),
            "coalesce": (
                (f"采用第一项（不为 0）：{shown}", f"the first value (not 0): {shown}")
                if args.get("chosen") == "1"
                else (f"第一项为 0，采用后一项：{shown}", f"the first value is 0, the next is used: {shown}")
            ),
            "progressive": (f"分段累进计算：{shown}", f"by marginal brackets: {shown}"),
            "cap": (f"超过每户上限，按上限 {shown} 计", f"over the cap: capped at {shown}"),
            "negative": ("计算结果为负数，按 0 计", "a negative result counts as 0"),
            "amount": (f"测算金额：{shown}", f"calculated amount: {shown}"),
            "ineligible": ("不符合条件，金额为 0", "not eligible: amount 0"),
        }
        if kind in simple:
            return self.t(*simple[kind])
        return (
            note or None
        )  # eligibility, the negative list at calculation time, a formula error: words already


def words(steps: list, spec: ProgramSpec, locale: str) -> list[str]:
    """The steps in words for the applicant, in the locale's language."""
    speaker = _Words(spec, locale.lower().startswith("zh"))
    return [line for line in (speaker.line(_as_dict(s)) for s in steps) if line]
