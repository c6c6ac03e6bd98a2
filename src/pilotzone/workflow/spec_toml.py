"""One definition (a funding program, a certification scheme) as TOML in the shape of the tenant files
(``[[programs]]`` in ``tenants/<slug>/programs.toml``, ``[[schemes]]`` in ``schemes.toml``): the export
a bureau downloads to move a definition to another city, and the reading of such a file on import.
Numbers are written exactly (Decimals as they are) and read back as Decimal (never float)."""

from __future__ import annotations

import json
import tomllib
from datetime import date
from decimal import Decimal
from typing import Any

import msgspec


class SpecFileError(ValueError):
    """The uploaded text is not one definition of the expected kind (the reason in English)."""


def dumps(table: str, spec: msgspec.Struct, *, drop: tuple[str, ...] = ()) -> str:
    """``spec`` as one ``[[table]]`` entry (fields at their defaults included: the file says everything)."""
    data = msgspec.to_builtins(spec, builtin_types=(Decimal, date))
    for name in drop:
        data.pop(name, None)
    return _table(f"[[{table}]]", table, data)


def _table(header: str, path: str, data: dict[str, Any]) -> str:
    lines = [header]
    later: list[str] = []
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, dict):
            later.append(_table(f"[{path}.{key}]", f"{path}.{key}", value))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            later += [_table(f"[[{path}.{key}]]", f"{path}.{key}", item) for item in value]
        else:
            lines.append(f"{_key(key)} = {_value(value)}")
    return "\n".join(lines) + "\n" + "".join("\n" + block for block in later)


def _key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() and key.isascii() else _value(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} cannot be written")
        return str(value)  # as written: 20000, 10.50, 1E+3 (a TOML float read back as the same Decimal)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a TOML basic string (JSON's escapes are TOML's)


def loads_one(text: str, table: str) -> dict[str, Any]:
    """The one ``[[table]]`` entry of an uploaded file; raises SpecFileError."""
    try:
        raw = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise SpecFileError(f"TOML syntax: {exc}") from None
    entries = raw.get(table)
    if set(raw) - {table} or not isinstance(entries, list) or len(entries) != 1:
        raise SpecFileError(f"the file must hold exactly one [[{table}]] entry")
    entry = entries[0]
    if not isinstance(entry, dict):
        raise SpecFileError(f"[[{table}]] must be a table")
    return entry
