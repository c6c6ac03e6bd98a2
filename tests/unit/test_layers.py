"""The two layering rules import-linter cannot see (its contracts are in pyproject.toml and run by
scripts/test.sh): no import inside a function outside the command-line modules, and the overview names
no other package's table in its SQL (it reads the domains through the metrics they export)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from pilotzone.overview.tables import OverviewMonth, OverviewRefresh, OverviewReport

SRC = Path(__file__).resolve().parents[2] / "src" / "pilotzone"
CLI = {"cli.py"}  # the command line imports inside its commands, to start fast


def _imports_in_functions(tree: ast.AST) -> list[int]:
    lines: list[int] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines += [n.lineno for n in ast.walk(node) if isinstance(n, ast.Import | ast.ImportFrom)]
    return lines


def test_no_import_inside_a_function_outside_the_cli() -> None:
    found = [
        f"{path.relative_to(SRC)}:{line}"
        for path in sorted(SRC.rglob("*.py"))
        if path.name not in CLI
        for line in _imports_in_functions(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert found == []


def test_the_check_sees_an_import_inside_a_function() -> None:
    assert _imports_in_functions(ast.parse("def f():\n    import os\n")) == [2]


_TABLE = re.compile(r"\b(?:FROM|JOIN|INTO)\s+([a-z_][a-z0-9_]*)")  # this code base writes SQL keywords in capitals


def _tables_named(source: str) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            names |= {m.group(1) for m in _TABLE.finditer(node.value)}
    return names


def test_overview_names_only_its_own_tables_in_sql() -> None:
    own = {t._meta.tablename for t in (OverviewMonth, OverviewRefresh, OverviewReport)}
    allowed = own | {"unnest"}  # unnest(...) AS f: the rows it upserts
    named = set().union(*(_tables_named(p.read_text(encoding="utf-8")) for p in (SRC / "overview").glob("*.py")))
    assert named, "the check found no SQL at all"
    assert named <= allowed, sorted(named - allowed)


def test_the_check_sees_a_foreign_table() -> None:
    assert _tables_named('q = "SELECT id FROM park JOIN enterprise e ON true"') == {"park", "enterprise"}
