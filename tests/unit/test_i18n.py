"""Every message in the code and templates has a Chinese text in the catalog the app loads."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from pilotzone.web.i18n import TRANSLATIONS_DIR, gettext, reset_locale, set_locale

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))


def test_catalog_covers_every_message() -> None:
    from i18n import extract

    ids = extract()
    assert len(ids) > 50
    with (TRANSLATIONS_DIR / "zh_CN/LC_MESSAGES/messages.po").open("rb") as fh:
        catalog = read_po(fh)
    missing = [m for m in ids if not (catalog.get(m) and catalog.get(m).string)]
    assert missing == [], "run: python scripts/i18n.py"


def test_catalog_file_is_current() -> None:
    po = TRANSLATIONS_DIR / "zh_CN/LC_MESSAGES/messages.po"
    before = po.read_bytes()
    result = subprocess.run([sys.executable, str(ROOT / "scripts/i18n.py")], capture_output=True, text=True)
    after = po.read_bytes()
    po.write_bytes(before)
    assert result.returncode == 0, result.stdout
    strip = lambda b: [ln for ln in b.decode().splitlines() if not ln.startswith('"POT-Creation-Date')]  # noqa: E731
    assert strip(after) == strip(before)


def test_gettext_follows_the_locale() -> None:
    token = set_locale("zh_CN")
    try:
        assert gettext("Parks and zones") == "园区与监管场所"
        assert gettext("Page %(n)s of %(total)s", n=2, total=5) == "第 2 页，共 5 页"
    finally:
        reset_locale(token)
    token = set_locale("en")
    try:
        assert gettext("Parks and zones") == "Parks and zones"
    finally:
        reset_locale(token)
