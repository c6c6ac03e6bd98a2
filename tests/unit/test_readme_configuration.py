"""Every environment variable the code reads is in the README's configuration table (issue 11, item 11)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READS = re.compile(
    r"""(?:_env|_int|_bool|_float|os\.environ\.get|os\.getenv|getenv|os\.environ\.setdefault)\(\s*["']([A-Z][A-Z0-9_]+)["']"""
    r"""|os\.environ\[\s*["']([A-Z][A-Z0-9_]+)["']\s*\](?!\s*=[^=])"""
)


def variables_read() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted((ROOT / "src" / "pilotzone").rglob("*.py")):
        for match in READS.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(match.group(1) or match.group(2), str(path.relative_to(ROOT)))
    return found


def configuration_table() -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1]))
    return names


def test_the_scan_finds_what_the_settings_read() -> None:
    found = variables_read()
    for name in ("DATABASE_URL", "EMBEDDED_S3_PORT", "DEMO_PASSWORD", "S3_READ_TIMEOUT", "PICCOLO_CONF"):
        assert name in found


def test_every_variable_read_is_in_the_readme_table() -> None:
    table = configuration_table()
    missing = {name: where for name, where in variables_read().items() if name not in table}
    assert not missing, f"add these to the README configuration table: {missing}"
