"""Countries and regions as ISO 3166-1 alpha-2 codes, with names from Babel's CLDR data (zh and en),
the same set the registry offers for overseas warehouses; no list is typed here.

``country_of`` reads what a customs file or a client writes: the code in any case, or the Chinese or
English name (美国, 中国香港特别行政区 or 中国香港 or 香港, Germany, Hong Kong).
"""

from __future__ import annotations

from functools import cache

from babel import Locale

from pilotzone.registry.warehouses import COUNTRIES
from pilotzone.web.i18n import get_locale

__all__ = ["COUNTRIES", "country_name", "country_of"]

_SUFFIXES = ("特别行政区", " SAR China")


@cache
def _names() -> dict[str, str]:
    names: dict[str, str] = {}
    for locale in ("zh", "zh_Hant", "en"):
        for code, name in Locale.parse(locale).territories.items():
            if code not in COUNTRIES:
                continue
            for variant in _variants(name):
                names.setdefault(variant.casefold(), code)
    return names


def _variants(name: str) -> list[str]:
    out = [name]
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            short = name.removesuffix(suffix).strip()
            out.append(short)
            if short.startswith("中国"):
                out.append(short.removeprefix("中国"))  # 中国香港 → 香港
    return out


def country_of(text: str) -> str | None:
    """The alpha-2 code of a code or a name; None if it is not a country or region we know."""
    value = text.strip()
    if len(value) == 2 and value.upper() in COUNTRIES:
        return value.upper()
    return _names().get(value.casefold())


def country_name(code: str, locale: str | None = None) -> str:
    """The name in ``locale`` (the request's by default); the code itself if CLDR has none."""
    return Locale.parse(locale or get_locale()).territories.get(code, code)
