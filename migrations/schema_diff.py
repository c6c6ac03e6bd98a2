"""Compare two ``pg_dump --schema-only`` files object by object.

    uv run python migrations/schema_diff.py OLD.sql NEW.sql

Prints the objects only in OLD (lost), only in NEW (added) and those whose definition differs; a table's
columns are compared in name order (an upgraded table keeps them in the order they were added) and the
dump's ``\\restrict`` lines are ignored. Exit status 0 when the two are the same.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path


def objects(path: Path) -> dict[str, str]:
    """Object name (``name; Type: KIND``) → its SQL, with a table's column lines sorted."""
    text = re.sub(r"^\\(un)?restrict .*$", "", path.read_text(), flags=re.M)
    found: dict[str, str] = {}
    for block in re.split(r"\n--\n-- (?=Name: )", text)[1:]:
        head, _, body = block.partition("\n--\n")
        name = re.sub(r"; Schema: .*", "", head.splitlines()[0][len("Name: ") :])
        body = body.strip()
        table = re.search(r"(CREATE TABLE [^\n]*\(\n)(.*?)(\n\);)", body, re.S)
        if table:
            columns = sorted(line.strip().rstrip(",") for line in table.group(2).split("\n"))
            body = body[: table.start(2)] + "\n".join(columns) + body[table.end(2) :]
        found[name] = body
    return found


def main(old_path: str, new_path: str) -> int:
    old, new = objects(Path(old_path)), objects(Path(new_path))
    lost, added = sorted(set(old) - set(new)), sorted(set(new) - set(old))
    changed = sorted(n for n in set(old) & set(new) if old[n] != new[n])
    for title, names, source in (("lost", lost, old), ("added", added, new)):
        print(f"== {title}: {len(names)}")
        for name in names:
            print(f"   {name} | {' '.join(source[name].split())[:200]}")
    print(f"== changed: {len(changed)}")
    for name in changed:
        before, after = set(old[name].splitlines()), set(new[name].splitlines())
        print(f"   {name}\n      - {sorted(before - after)}\n      + {sorted(after - before)}")
    return 1 if lost or added or changed else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
