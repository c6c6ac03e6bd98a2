"""What the builder says about a mistake, in words an officer understands (message ids translated on the
page), never a Python exception: formula errors with their line, column and the line itself (for a
caret under the spot), and the checks of ``programs.check`` / the structs mapped to the form's field
names (``inputs-2-min``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pilotzone.funding.programs import ProgramError
from pilotzone.web.labels import N_


@dataclass
class FieldError:
    message: str  # an English message id (N_), translated on the page with ``params``
    params: dict[str, str] = field(default_factory=dict)
    line: int | None = None  # formulas: 1-based line and column of the mistake, and that line
    column: int | None = None
    source_line: str = ""


def at_position(error: FieldError, source: str, position: int) -> FieldError:
    """``error`` located in ``source`` (the formula as compiled: stripped) at a 0-based offset."""
    before = source[:position].split("\n")
    error.line, error.column = len(before), len(before[-1]) + 1
    error.source_line = source.split("\n")[len(before) - 1]
    return error


_KIND = {"number": N_("an amount or number"), "boolean": N_("a yes/no condition"), "any": N_("a value")}

# formula compiler messages (formula.py, formula_syntax.py) → officer words
_FORMULA: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^unknown name '(?P<name>\w+)'$"),
     N_("“%(name)s” is neither an input nor a constant of this program: check the spelling, or add it "
        "as an input or a constant.")),
    (re.compile(r"^unknown function '(?P<name>\w+)'$"),
     N_("“%(name)s” is not a function; the functions are if, min, max, tier, progressive, round_fen and coalesce.")),
    (re.compile(r"^unexpected character '(?P<char>.+)'$"),
     N_("The character “%(char)s” cannot be used in a formula (use + - * / ( ) [ ] , and < > = !).")),
    (re.compile(r"^expected '\)', found .*$"), N_("A closing parenthesis “)” is missing here.")),
    (re.compile(r"^expected '\]', found .*$"), N_("A closing bracket “]” is missing here.")),
    (re.compile(r"^expected '(?P<want>.+)', found (?P<found>.*)$"), N_("“%(want)s” is missing here.")),
    (re.compile(r"^empty formula$"), N_("The formula is empty.")),
    (re.compile(r"^expected a value, found (?:end of formula|'')$"),
     N_("The formula ends too early: a number, an input or a constant is missing.")),
    (re.compile(r"^expected a value, found (?P<found>.*)$"),
     N_("A number, an input or a constant is missing before %(found)s.")),
    (re.compile(r"^unexpected '(?P<token>.*)'$"), N_("“%(token)s” does not belong here.")),
    (re.compile(r"^comparisons do not chain; use 'and'$"),
     N_("Two comparisons in a row: join them with “and”, e.g. x >= 1 and x <= 5.")),
    (re.compile(r"^(?P<name>\w+)\(\) takes (?P<want>.+) argument\(s\), got (?P<got>\d+)$"),
     N_("%(name)s() takes %(want)s value(s) between its parentheses; here there are %(got)s.")),
    (re.compile(r"^expected a bracket like \[threshold, amount\]$|^a tier is \[threshold, amount\]$"),
     N_("Each tier is written [threshold, amount], e.g. tier(exports, [[1000000, 50000], [5000000, 300000]]).")),
    (re.compile(r"^tier thresholds must ascend.*$"), N_("The thresholds of the tiers must go up from one tier to the next.")),
    (re.compile(r"^bracket bounds must ascend.*$"), N_("The bounds of the brackets must go up from one bracket to the next.")),
    (re.compile(r"^misplaced '_' in number.*$"), N_("A number has a misplaced “_”: write 1_000_000 or 1000000.")),
    (re.compile(r"^(?P<what>.+) must be a number literal$"), N_("Only plain numbers may be written here.")),
    (re.compile(r"^expected a (?P<kind>\w+), this is a (?P<got>\w+)$"), N_("Here %(kind)s is needed, but this is %(got)s.")),
    (re.compile(r"^must give a (?P<kind>\w+), this gives a (?P<got>\w+)$"),
     N_("The whole expression must give %(kind)s, but it gives %(got)s.")),
    (re.compile(r"^cannot compare a (?P<kind>\w+) with a (?P<got>\w+)$"), N_("An amount cannot be compared with a yes/no condition.")),
    (re.compile(r"^both branches of if\(\).*$"),
     N_("Both results of if() must be of one kind: two amounts, or two conditions.")),
    (re.compile(r"^a list is only allowed.*$"),
     N_("A list [ … ] may only be the tiers of tier() or the brackets of progressive().")),
]

# checks of the spec (msgspec's and programs.check's reasons) → officer words
_CHECKS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Expected `str` of length >= 1$|^Object missing required field"), N_("This field is required.")),
    (re.compile(r"^Expected `str` matching regex '\^\[a-z\]\[a-z0-9_\]"),
     N_("Use lower-case letters, digits and '_', starting with a letter (at most 40).")),
    (re.compile(r"^Expected `str` matching regex"),
     N_("Use 2 to 40 lower-case letters, digits, '-' or '_', starting with a letter.")),
    (re.compile(r"^Invalid enum value"), N_("Choose one of the listed values.")),
    (re.compile(r"^Expected `array` of length >= 1$"), N_("Add at least one row.")),
    (re.compile(r"^Expected `int` >= 0|^Expected `int` <= 30"), N_("Write a whole number of days from 0 to 30.")),
    (re.compile(r"^duplicate key '(?P<key>.+)'$"), N_("The key “%(key)s” is used twice.")),
    (re.compile(r"^an amount is in the program's unit"),
     N_("An amount is declared in the program's unit (stated above): leave the unit empty.")),
    (re.compile(r"^money is an input of type 'amount'"), N_("Money is an input of type “amount”, not a number with a unit.")),
    (re.compile(r"^min/max apply to numbers"), N_("Only numbers and amounts have a minimum and a maximum.")),
    (re.compile(r"^min (?P<min>\S+) is above max (?P<max>\S+)$"), N_("The minimum %(min)s is above the maximum %(max)s.")),
    (re.compile(r"^'(?P<name>.+)' is also a constant$"), N_("“%(name)s” is also the name of a constant.")),
    (re.compile(r"^'(?P<kind>.+)' is not an accepted document type$"), N_("Choose file types from the list.")),
    (re.compile(r"^'.+' is not a reviewing role"), N_("Choose a reviewing role from the list.")),
    (re.compile(r"^the bureau administrator decides, once, in the last stage$"),
     N_("The bureau administrator decides once, in the last stage.")),
    (re.compile(r"^the cap is a non-negative amount in whole fen$"), N_("The cap is an amount in yuan of at least 0, in whole fen.")),
    (re.compile(r"^'(?P<scheme>.+)' is not a scheme of this tenant"), N_("“%(scheme)s” is not a certification scheme of this pilot zone.")),
    (re.compile(r"^an input rule needs expr, message_zh and message_en$"),
     N_("A condition on declared values needs the condition and its message in Chinese and English.")),
]
_UNREADABLE = N_("This value cannot be used: %(detail)s")


def formula_error(message: str) -> FieldError:
    for pattern, words in _FORMULA:
        if (m := pattern.match(message)) is not None:
            params = {k: v for k, v in m.groupdict().items() if v is not None}
            for name in ("kind", "got"):
                if name in params:
                    params[name] = _KIND.get(params[name], params[name])
            return FieldError(words, params)
    return FieldError(N_("This part of the formula cannot be read (%(detail)s)."), {"detail": message})


def check_error(reason: str) -> FieldError:
    for pattern, words in _CHECKS:
        if (m := pattern.match(reason)) is not None:
            return FieldError(words, {k: v for k, v in m.groupdict().items() if v is not None})
    return FieldError(_UNREADABLE, {"detail": reason})


_ITEM = re.compile(r"(?P<list>inputs|documents|eligibility|stages|rounds)\[(?P<j>\d+)\](?:\.(?P<col>\w+))?")
_COLUMN = {"eligibility": {"scheme": "fact", "kind": "fact", "expr": "expr", "message_zh": "message_zh",
                           "message_en": "message_en"}}
_KIND_OF = {"inputs": "inputs", "documents": "documents", "eligibility": "rules", "stages": "stages"}


def field_of(key: str, where: dict[str, list[int]]) -> str:
    """A ProgramError's key (``program.inputs[0].min``, ``programs.x.eligibility[1].expr``) → the form's
    field name (``inputs-<posted row>-min``); ``where`` maps a spec list to the posted row indices."""
    if key.endswith(".formula") or key == "formula":
        return "formula"
    if (m := _ITEM.search(key)) is not None and m["list"] in _KIND_OF:
        rows = where.get(m["list"], [])
        j = int(m["j"])
        row = rows[j] if j < len(rows) else j
        if m["list"] == "stages":
            return f"stages-{row}-role"
        col = m["col"] or ("expr" if m["list"] == "eligibility" else "key")
        col = _COLUMN.get(m["list"], {}).get(col, col)
        return f"{_KIND_OF[m['list']]}-{row}-{col}"
    leaf = key.removeprefix("program.").split(".")[0].split("[")[0]
    return leaf if leaf not in ("(top level)", "programs") else "form"


def from_program_error(exc: ProgramError, where: dict[str, list[int]], sources: dict[str, str]) -> tuple[str, FieldError]:
    """The field and the words of ``exc``; ``sources``: the formulas as compiled, by field name."""
    name = field_of(exc.key, where)
    if exc.position is None:
        return name, check_error(exc.reason)
    error = formula_error(exc.reason.rsplit(" at position ", 1)[0])
    return name, at_position(error, sources.get(name, ""), exc.position)
