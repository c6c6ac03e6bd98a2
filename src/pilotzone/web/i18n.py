"""zh-CN first, English second, through Babel catalogs.

Message ids are English; translators edit ``translations/<locale>/LC_MESSAGES/messages.po`` and
``scripts/setup.sh`` compiles it to the ``messages.mo`` loaded here (git-ignored; see README.md, "Texts
and translations"). English needs no catalog. The locale comes from the ``lang`` cookie (set by the
language switch) and lives in a ContextVar for the request.
"""

from __future__ import annotations

import contextvars
import logging
from functools import cache
from pathlib import Path
from typing import Any

from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).resolve().parents[1] / "translations"
LOCALES = ("zh_CN", "en")
LOCALE_LABELS = {"zh_CN": "中文", "en": "English"}
HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}
COOKIE = "lang"
log = logging.getLogger(__name__)

_locale: contextvars.ContextVar[str] = contextvars.ContextVar("pilotzone_locale", default="zh_CN")


COMPILE_HINT = "run ./scripts/setup.sh (or: uv run --frozen python scripts/i18n.py compile)"


class CatalogMissing(RuntimeError):
    """The compiled catalog of a locale is missing."""


@cache
def translations(locale: str) -> NullTranslations:
    return load_catalog(TRANSLATIONS_DIR, locale)


def load_catalog(directory: Path, locale: str) -> NullTranslations:
    """The compiled ``messages.mo`` of ``locale`` under ``directory``; raises :class:`CatalogMissing`
    when it was never compiled (English has no catalog: the message ids are English)."""
    if locale == "en":
        return NullTranslations()
    folder = directory / locale / "LC_MESSAGES"
    po, mo = folder / "messages.po", folder / "messages.mo"
    if not mo.exists():
        raise CatalogMissing(f"{mo} is missing: {COMPILE_HINT}")
    if po.exists() and po.stat().st_mtime > mo.stat().st_mtime:
        log.warning("%s is older than %s: %s", mo, po.name, COMPILE_HINT)
    with mo.open("rb") as fh:
        return Translations(fp=fh, domain="messages")


def get_locale() -> str:
    return _locale.get()


def set_locale(locale: str) -> contextvars.Token[str]:
    return _locale.set(locale if locale in LOCALES else LOCALES[0])


def reset_locale(token: contextvars.Token[str]) -> None:
    _locale.reset(token)


def gettext(message: str, **variables: Any) -> str:
    text = translations(_locale.get()).ugettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
    text = translations(_locale.get()).ungettext(singular, plural, n)
    variables.setdefault("num", n)
    return text % variables


_ = gettext


def pick(zh: str, en: str) -> str:
    """Choose between the two language columns of a record (e.g. ``name_zh``/``name_en``)."""
    return en if _locale.get() == "en" and en else zh


def locale_from_cookie(cookies: dict[str, str], default: str) -> str:
    value = cookies.get(COOKIE, "")
    return value if value in LOCALES else default
