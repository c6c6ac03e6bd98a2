"""The message catalog: the committed template matches the sources, every message has a zh-CN text,
plurals follow the locale, and a catalog that was never compiled stops the start with a clear error."""

import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from pilotzone.web.i18n import (
    TRANSLATIONS_DIR,
    CatalogMissing,
    gettext,
    load_catalog,
    ngettext,
    reset_locale,
    set_locale,
)

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import i18n  # noqa: E402  (scripts/i18n.py)


def _ids(path: Path) -> set[object]:
    with path.open("rb") as fh:
        return {m.id for m in read_po(fh) if m.id}


def test_the_template_is_current(tmp_path: Path) -> None:
    """messages.pot holds exactly the messages of the code and templates (line numbers may drift)."""
    fresh = tmp_path / "messages.pot"
    i18n.extract(fresh)
    added, gone = _ids(fresh) - _ids(i18n.POT), _ids(i18n.POT) - _ids(fresh)
    assert (added, gone) == (set(), set()), "run: uv run --frozen python scripts/i18n.py"
    assert len(_ids(fresh)) > 500


def test_every_message_has_a_zh_cn_text() -> None:
    assert i18n.missing("zh_CN") == [], "translate them in messages.po (then: python scripts/i18n.py)"
    assert i18n.placeholder_errors("zh_CN") == []


def test_zh_cn_catalog_has_one_plural_form() -> None:
    with i18n.po_path("zh_CN").open("rb") as fh:
        catalog = read_po(fh)
    assert catalog.plural_forms == "nplurals=1; plural=0;"
    plurals = [m for m in catalog if isinstance(m.id, tuple)]
    assert plurals, "counts shown to users use ngettext"
    assert all(len(m.string) == 1 and m.string[0] for m in plurals)


def test_gettext_follows_the_locale() -> None:
    token = set_locale("zh_CN")
    try:
        assert gettext("Parks and zones") == "园区与监管场所"
        assert gettext("Page %(n)s of %(total)s", n=2, total=5) == "第 2 页，共 5 页"
        assert ngettext("%(num)s day", "%(num)s days", 1) == "1 天"
        assert ngettext("%(num)s day", "%(num)s days", 5) == "5 天"
    finally:
        reset_locale(token)
    token = set_locale("en")
    try:
        assert gettext("Parks and zones") == "Parks and zones"
        assert ngettext("%(num)s day", "%(num)s days", 1) == "1 day"
        assert ngettext("%(num)s day", "%(num)s days", 5) == "5 days"
    finally:
        reset_locale(token)


def test_a_catalog_never_compiled_is_a_clear_error(tmp_path: Path) -> None:
    po = TRANSLATIONS_DIR / "zh_CN/LC_MESSAGES/messages.po"
    (tmp_path / "zh_CN/LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "zh_CN/LC_MESSAGES/messages.po").write_bytes(po.read_bytes())
    with pytest.raises(CatalogMissing, match=r"messages\.mo is missing: run \./scripts/setup\.sh"):
        load_catalog(tmp_path, "zh_CN")
    assert load_catalog(tmp_path, "en").gettext("Parks") == "Parks"
