"""Writes the states and transitions of every kind into ``workflow/README.md`` from the table itself:
``python -m pilotzone.workflow.readme`` rewrites the section between the markers; a unit test fails
when the README and the table disagree."""

from __future__ import annotations

import sys
from pathlib import Path

from pilotzone.codes import Coded
from pilotzone.workflow.states import STATES, Actor, Guard, Kind
from pilotzone.workflow.transitions import INITIAL, TABLE

README = Path(__file__).with_name("README.md")
START = "<!-- generated from pilotzone.workflow.transitions: python -m pilotzone.workflow.readme -->"
END = "<!-- end of the generated section -->"


def _code(member: Coded) -> str:
    return f"`{member.value}` {member.zh}"


def section() -> str:
    """The generated text between the markers (without them)."""
    lines: list[str] = []
    for kind in Kind:
        states = STATES[kind]
        initial, action, actor = INITIAL[kind]
        lines += [
            f"### {kind.en} (`{kind.value}`, {kind.zh})",
            "",
            "States: " + ", ".join(_code(s) for s in states) + ".",
            f"A submission starts in `{initial.value}` ({action.en.lower()}: {actor.en.lower()}).",
            "",
            "| from | action | who | guards | to |",
            "|---|---|---|---|---|",
        ]
        for row in (r for r in TABLE if r.kind == kind):
            guards = ", ".join(g.en for g in row.guards) or "—"
            lines.append(
                f"| `{row.source.value}` | {row.action.en} (`{row.action.value}`) | {row.actor.en} "
                f"| {guards} | `{row.target.value}` |"
            )
        lines.append("")
    lines += ["### Actors", ""]
    lines += [f"- `{a.value}`: {a.en}" for a in Actor]
    lines += ["", "### Guards", ""]
    lines += [f"- `{g.value}`: {g.en}" for g in Guard]
    return "\n".join(lines)


def rendered(text: str) -> str:
    """``text`` (the README) with its generated section replaced by :func:`section`."""
    head, found, rest = text.partition(START)
    if not found:
        raise ValueError("the README has no generated section")
    _, found, tail = rest.partition(END)
    if not found:
        raise ValueError("the README's generated section has no end marker")
    return f"{head}{START}\n{section()}\n{END}{tail}"


def main() -> int:
    README.write_text(rendered(README.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
