"""Extract messages and write the zh_CN catalog: `uv run python scripts/i18n.py`.

Fails (exit 1) listing any message id that has no Chinese text in scripts/zh_CN.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import write_po

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from zh_CN import ZH_CN  # noqa: E402

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
METHODS = [("src/**.py", "python"), ("templates/**.html", "jinja2")]


def extract() -> list[str]:
    ids: set[str] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, keywords=KEYWORDS, options_map={"templates/**.html": {"trimmed": "true"}}
    ):
        ids.add(message if isinstance(message, str) else message[0])
    ids.discard("")
    return sorted(ids)


def main() -> int:
    ids = extract()
    missing = [m for m in ids if m not in ZH_CN]
    if missing:
        print("no zh_CN text for:", *missing, sep="\n  ")
        return 1
    catalog = Catalog(locale="zh_CN", project="PilotZone", charset="utf-8")
    for message in ids:
        catalog.add(message, ZH_CN[message])
    out = ROOT / "src/pilotzone/translations/zh_CN/LC_MESSAGES/messages.po"
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as fh:
        write_po(fh, catalog, width=0, omit_header=False, sort_output=True)
    unused = sorted(set(ZH_CN) - set(ids))
    print(f"wrote {out.relative_to(ROOT)}: {len(ids)} messages" + (f"; unused: {unused}" if unused else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
