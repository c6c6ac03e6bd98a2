"""zh-CN first, English second, through Babel catalogs.

Message ids are English; ``translations/<locale>/LC_MESSAGES/messages.po`` are compiled in memory at
start (no build step). The locale comes from the ``lang`` cookie (set by the language switch) and
lives in a ContextVar for the request.
"""

from __future__ import annotations

import contextvars
import io
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).resolve().parents[1] / "translations"
LOCALES = ("zh_CN", "en")
LOCALE_LABELS = {"zh_CN": "中文", "en": "English"}
HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}
COOKIE = "lang"

_locale: contextvars.ContextVar[str] = contextvars.ContextVar("pilotzone_locale", default="zh_CN")


@cache
def translations(locale: str) -> NullTranslations:
    po = TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


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
