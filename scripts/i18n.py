"""The message catalog, Babel's own workflow (see src/pilotzone/web/README.md, "Texts and translations").

    uv run --frozen python scripts/i18n.py            # extract → messages.pot, update messages.po, compile .mo
    uv run --frozen python scripts/i18n.py compile    # only compile the .po files to .mo (setup.sh does this)
    uv run --frozen python scripts/i18n.py check      # exit 1 if a message has no zh-CN text (writes nothing)
    uv run --frozen python scripts/i18n.py fold [--base BASE] FILE…  # one-off: old scripts/zh_CN.py dicts → .po

The same steps by hand: ``pybabel extract -F babel.cfg -o src/pilotzone/translations/messages.pot .``,
``pybabel update -i src/pilotzone/translations/messages.pot -d src/pilotzone/translations``,
``pybabel compile -d src/pilotzone/translations``. Exit 1 when a message has no Chinese text or its
text is marked fuzzy (Babel guessed it from a similar message: a translator must confirm it).
"""

from __future__ import annotations

import runpy
import sys
import tomllib
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "src/pilotzone/translations"
POT = TRANSLATIONS / "messages.pot"
LOCALES = ("zh_CN",)  # English is the msgids themselves


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def pybabel(*args: str) -> int:
    """Run a ``pybabel`` command in this process; its exit status (1: it reported errors)."""
    return CommandLineInterface().run(["pybabel", "-q", *args]) or 0


def extract(output: Path = POT) -> None:
    """Every message id of the code and templates, with where it is used, into ``output``."""
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    pybabel(
        "extract", "-F", str(ROOT / "babel.cfg"), "-o", str(output), "--project", "PilotZone",
        "--version", version, "--msgid-bugs-address", "-",
        "--no-wrap", "--add-comments", "TRANSLATORS:", "--sort-by-file", str(ROOT),
    )  # fmt: skip
    # locations relative to the repository, whatever directory the command ran in
    text = output.read_text(encoding="utf-8").replace(f"#: {ROOT}/", "#: ").replace(f" {ROOT}/", " ")
    output.write_text(text, encoding="utf-8")


def update() -> None:
    for locale in LOCALES:
        pybabel(
            "update", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", locale,
            "--no-wrap", "--ignore-obsolete",
        )  # fmt: skip


def compile_mo() -> int:
    """``messages.po`` → ``messages.mo`` (git-ignored) for every locale. 1 when pybabel reported errors
    (e.g. a text whose placeholders differ from its message id's); stops when a catalog was not
    written (pybabel skips one whose header is marked fuzzy)."""
    for locale in LOCALES:
        po_path(locale).with_suffix(".mo").unlink(missing_ok=True)
    status = pybabel("compile", "-d", str(TRANSLATIONS))
    for locale in LOCALES:
        if not po_path(locale).with_suffix(".mo").exists():
            raise SystemExit(f"pybabel compile wrote no catalog for {locale}: is its header marked fuzzy?")
    return status


def read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def missing(locale: str) -> list[str]:
    """Message ids of the template with no text (or only a fuzzy one) in ``locale``'s catalog."""
    catalog = read(po_path(locale), locale)
    gaps = []
    for message in read(POT):
        if not message.id:
            continue
        own = catalog.get(message.id)
        strings = own.string if own is not None else ""
        texts = strings if isinstance(strings, tuple) else (strings,)
        if own is None or own.fuzzy or not all(texts):
            gaps.append(message.id if isinstance(message.id, str) else message.id[0])
    return gaps


def placeholder_errors(locale: str) -> list[str]:
    """Texts whose ``%(name)s`` placeholders do not match their message id (Babel's catalog checks)."""
    return [
        f"{message.id}: {'; '.join(str(error) for error in errors)}"
        for message, errors in read(po_path(locale), locale).check()
        if errors and not message.fuzzy
    ]


def check() -> int:
    status = 0
    for locale in LOCALES:
        for error in placeholder_errors(locale):
            print(f"{locale}: {error}")
            status = 1
        gaps = missing(locale)
        if gaps:
            print(
                f"{locale}: {len(gaps)} message(s) without a confirmed text in {po_path(locale).relative_to(ROOT)}:"
            )
            print(*(f"  {gap}" for gap in gaps), sep="\n")
            status = 1
    return status


def _dict_of(name: str) -> dict[str, str]:
    """``ZH_CN`` of an old-style ``scripts/zh_CN.py`` (our own file, e.g. from
    ``git show BRANCH:scripts/zh_CN.py > /tmp/zh_CN-BRANCH.py``)."""
    return dict(runpy.run_path(name)["ZH_CN"])


def fold(args: list[str]) -> int:
    """Texts of old-style ``ZH_CN = {msgid: text}`` files into zh_CN ``messages.po``.

    ``fold FILE…`` fills messages whose text is empty or fuzzy. ``fold --base BASE FILE…`` takes only
    what each FILE added or changed against BASE (the dict where the branches forked: ``git show
    9b9b0a2:scripts/zh_CN.py``) and writes it over the catalog's text, so a corrected translation wins."""
    base: dict[str, str] | None = None
    if args[:1] == ["--base"]:
        base, args = _dict_of(args[1]), args[2:]
    texts: dict[str, str] = {}
    for name in args:
        own = _dict_of(name)
        texts.update({k: v for k, v in own.items() if base is None or base.get(k) != v})
    path = po_path("zh_CN")
    catalog = read(path, "zh_CN")
    filled = 0
    for message in catalog:
        if not isinstance(message.id, str) or message.id not in texts:
            continue  # plurals came after the dicts: they never hold one
        if base is not None or message.fuzzy or not message.string:
            if message.string != texts[message.id] or message.fuzzy:
                filled += 1
            message.string = texts[message.id]
            message.flags.discard("fuzzy")
    with path.open("wb") as fh:
        write_po(fh, catalog, width=0, ignore_obsolete=True)
    unknown = sorted(m for m in texts if m not in catalog)
    print(
        f"wrote {filled} text(s) into {path.relative_to(ROOT)}; {len(unknown)} not in the catalog (skipped):"
    )
    if unknown:
        print(*(f"  {m}" for m in unknown), sep="\n")
    return 0


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "update"
    if command == "compile":
        return compile_mo()
    if command == "check":
        return check()
    if command == "fold":
        return fold(argv[1:])
    if command != "update":
        print(__doc__)
        return 2
    extract()
    update()
    status = check()
    return compile_mo() or status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
