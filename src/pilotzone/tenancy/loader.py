"""tenants/*.toml: parse and validate every file first, then write all of them in one transaction.

A bad file raises :class:`TenantFileError` naming the file, the key and the reason; nothing is
written. Syncing twice changes nothing the second time.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import msgspec

from pilotzone import db
from pilotzone.registry.tables import PARK_KINDS, Park
from pilotzone.tenancy.context import TenantContext, switch_tenant
from pilotzone.tenancy.tables import Tenant

Slug = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9-]{1,39}$")]
Colour = Annotated[str, msgspec.Meta(pattern=r"^#[0-9a-fA-F]{6}$")]
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class _Strict(msgspec.Struct, forbid_unknown_fields=True):
    pass


class Names(_Strict):
    zh: Text
    en: Text


class Zone(_Strict):
    zh: Text
    en: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    approved_year: Annotated[int, msgspec.Meta(ge=2015, le=2100)] | None = None


class Branding(_Strict):
    primary: Colour
    accent: Colour


class District(_Strict):
    code: Annotated[str, msgspec.Meta(pattern=r"^\d{6}$")]
    zh: Text
    en: Text


class ParkSpec(_Strict):
    key: Slug
    zh: Text
    en: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    kind: str
    district: str
    note_zh: str = ""
    note_en: str = ""


class Source(_Strict):
    title: Annotated[str, msgspec.Meta(min_length=1)]
    issuer: Text
    year: Annotated[int, msgspec.Meta(ge=2000, le=2100)]


class TenantSpec(_Strict):
    slug: Slug
    name: Names
    zone: Zone
    bureau: Names
    branding: Branding
    districts: Annotated[list[District], msgspec.Meta(min_length=1)]
    parks: list[ParkSpec] = []
    sources: Annotated[list[Source], msgspec.Meta(min_length=1)] = []
    sort_order: int = 100


class TenantFileError(ValueError):
    def __init__(self, file: Path | str, key: str, reason: str) -> None:
        self.file, self.key, self.reason = str(file), key, reason
        super().__init__(f"{self.file}: key '{key}': {reason}")


_AT = re.compile(r"^(?P<reason>.*?)(?: - at `\$\.?(?P<key>[^`]*)`)?$", re.S)


def parse_file(path: Path) -> TenantSpec:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise TenantFileError(path, "(syntax)", str(exc)) from None
    except UnicodeDecodeError as exc:
        raise TenantFileError(path, "(encoding)", f"not UTF-8: {exc}") from None
    try:
        spec = msgspec.convert(raw, TenantSpec)
    except msgspec.ValidationError as exc:
        m = _AT.match(str(exc))
        assert m is not None
        key = m.group("key") or "(top level)"
        raise TenantFileError(path, key, m.group("reason")) from None
    _check(path, spec)
    return spec


def _check(path: Path, spec: TenantSpec) -> None:
    if spec.slug != path.stem:
        raise TenantFileError(path, "slug", f"'{spec.slug}' must equal the file name '{path.stem}'")
    codes: set[str] = set()
    for i, district in enumerate(spec.districts):
        if district.code in codes:
            raise TenantFileError(path, f"districts[{i}].code", f"duplicate district code '{district.code}'")
        codes.add(district.code)
    keys: set[str] = set()
    for i, park in enumerate(spec.parks):
        if park.key in keys:
            raise TenantFileError(path, f"parks[{i}].key", f"duplicate park key '{park.key}'")
        keys.add(park.key)
        if park.kind not in PARK_KINDS:
            raise TenantFileError(
                path, f"parks[{i}].kind", f"'{park.kind}' is not one of {', '.join(PARK_KINDS)}"
            )
        if park.district not in codes:
            raise TenantFileError(
                path, f"parks[{i}].district", f"'{park.district}' is not a code in [[districts]]"
            )


def load_dir(directory: Path) -> list[TenantSpec]:
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise TenantFileError(directory, "(files)", "no *.toml tenant files found")
    return [parse_file(path) for path in files]


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    parks_written: int = 0
    parks_retired: int = 0

    def changed(self) -> bool:
        return bool(self.created or self.updated or self.parks_written or self.parks_retired)


def _tenant_values(spec: TenantSpec, source_file: str) -> dict:
    return {
        "sort_order": spec.sort_order,
        "name_zh": spec.name.zh,
        "name_en": spec.name.en,
        "zone_zh": spec.zone.zh,
        "zone_en": spec.zone.en,
        "approved_year": spec.zone.approved_year,
        "bureau_zh": spec.bureau.zh,
        "bureau_en": spec.bureau.en,
        "primary_colour": spec.branding.primary.lower(),
        "accent_colour": spec.branding.accent.lower(),
        "districts": msgspec.to_builtins(spec.districts),
        "sources": msgspec.to_builtins(spec.sources),
        "source_file": source_file,
        "active": True,
    }


def _park_values(park: ParkSpec) -> dict:
    return {
        "name_zh": park.zh,
        "name_en": park.en,
        "kind": park.kind,
        "district_code": park.district,
        "note_zh": park.note_zh,
        "note_en": park.note_en,
        "status": "active",
    }


async def sync(directory: Path) -> SyncReport:
    """Validate every file, then upsert tenants and their policy parks in one transaction."""
    specs = load_dir(directory)
    report = SyncReport()
    async with db.transaction({"app.scope": "public"}):
        for spec in specs:
            values = _tenant_values(spec, f"{spec.slug}.toml")
            row = await Tenant.objects().where(Tenant.slug == spec.slug).output(load_json=True).first()
            if row is None:
                row = Tenant(slug=spec.slug, **values)
                await row.save()
                report.created.append(spec.slug)
            elif any(getattr(row, k) != v for k, v in values.items()):
                await Tenant.update(values).where(Tenant.id == row.id)
                report.updated.append(spec.slug)
            else:
                report.unchanged.append(spec.slug)
            async with switch_tenant(TenantContext(row.id, spec.slug)):
                await _sync_parks(row.id, spec.parks, report)
    return report


async def _sync_parks(tenant_id: int, parks: list[ParkSpec], report: SyncReport) -> None:
    existing = {p.key: p for p in await Park.objects().where(Park.source == "policy")}
    for park in parks:
        values = _park_values(park)
        row = existing.pop(park.key, None)
        if row is None:
            await Park(tenant=tenant_id, key=park.key, source="policy", **values).save()
            report.parks_written += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            await Park.update(values).where(Park.id == row.id)
            report.parks_written += 1
    for row in existing.values():  # dropped from the file: retire, never delete (documents may link)
        if row.status != "retired":
            await Park.update({Park.status: "retired"}).where(Park.id == row.id)
            report.parks_retired += 1
