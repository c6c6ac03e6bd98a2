"""``pilotzone tenants sync``: parse and validate every tenants/*.toml (with each tenant's
``schemes.toml`` and ``programs.toml``) first, then write all of them in one transaction: the tenant
rows, the policy parks (registry), the schemes (certification) and the programs (funding), each through
the domain's own functions. Part of the composition root: it is the one module that knows every
domain a tenant file configures.

A bad file raises :class:`TenantFileError` naming the file, the key and the reason; nothing is
written. Syncing twice changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from pilotzone import db
from pilotzone.certification.schemes import SchemeError, SchemeSpec
from pilotzone.certification.schemes import parse as parse_schemes
from pilotzone.certification.services import sync_schemes
from pilotzone.funding.program_spec import ProgramSpec
from pilotzone.funding.programs import ProgramError
from pilotzone.funding.programs import parse as parse_programs
from pilotzone.funding.services import sync_programs
from pilotzone.notify.provision import sync_texts
from pilotzone.provisioning.specs import (
    OIDC_RULE_ROLES,
    District,
    OidcRule,
    OidcSpec,
    ParkSpec,
    TenantFileError,
    TenantSpec,
    check,
    load_dir,
    parse_file,
    resolved_districts,
)
from pilotzone.registry.tables import Park
from pilotzone.tenancy.context import TenantContext, switch_tenant
from pilotzone.tenancy.middleware import forget_tenants
from pilotzone.tenancy.tables import Tenant
from pilotzone.trade import settings as trade_settings

__all__ = [
    "OIDC_RULE_ROLES",
    "District",
    "OidcRule",
    "OidcSpec",
    "SyncReport",
    "TenantFileError",
    "TenantSpec",
    "check",
    "load_dir",
    "parse_file",
    "sync",
    "write_tenant",
]

@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    parks_written: int = 0
    parks_retired: int = 0
    schemes_written: int = 0
    programs_written: int = 0

    def changed(self) -> bool:
        return bool(
            self.created
            or self.updated
            or self.parks_written
            or self.parks_retired
            or self.schemes_written
            or self.programs_written
        )


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
        "time_zone": spec.time_zone,
        "districts": resolved_districts(spec),
        "sources": msgspec.to_builtins(spec.sources),
        "oidc": msgspec.to_builtins(spec.oidc),
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


def load_schemes(directory: Path, specs: list[TenantSpec]) -> dict[str, list[SchemeSpec]]:
    """``<slug>/schemes.toml`` of each tenant (optional), validated like the tenant files."""
    found: dict[str, list[SchemeSpec]] = {}
    for spec in specs:
        path = directory / spec.slug / "schemes.toml"
        if path.exists():
            prefix = spec.certificate_prefix or spec.slug[:2].upper()
            try:
                found[spec.slug] = parse_schemes(path, prefix)
            except SchemeError as exc:
                raise TenantFileError(path, exc.key, exc.reason) from None
    return found


def load_programs(
    directory: Path, specs: list[TenantSpec], schemes: dict[str, list[SchemeSpec]]
) -> dict[str, list[ProgramSpec]]:
    """``<slug>/programs.toml`` of each tenant (optional): validated, formulas compiled, and every
    ``certified`` rule checked against the same tenant's schemes."""
    found: dict[str, list[ProgramSpec]] = {}
    for spec in specs:
        path = directory / spec.slug / "programs.toml"
        if path.exists():
            keys = {scheme.key for scheme in schemes.get(spec.slug, [])}
            try:
                found[spec.slug] = parse_programs(path, keys)
            except ProgramError as exc:
                raise TenantFileError(path, exc.key, exc.reason) from None
    return found


async def sync(directory: Path) -> SyncReport:
    """Validate every file, then upsert tenants, their policy parks, schemes and programs in one transaction."""
    specs = load_dir(directory)
    schemes = load_schemes(directory, specs)
    programs = load_programs(directory, specs, schemes)
    report = SyncReport()
    async with db.transaction({"app.scope": "provisioning"}):
        for spec in specs:
            await write_tenant(
                spec, f"{spec.slug}.toml", report, schemes.get(spec.slug, []), programs.get(spec.slug, [])
            )
    forget_tenants()
    return report


async def write_tenant(
    spec: TenantSpec,
    source_file: str,
    report: SyncReport,
    schemes: Sequence[SchemeSpec] = (),
    programs: Sequence[ProgramSpec] = (),
) -> int:
    """Upsert one tenant and everything its file configures, inside an open transaction: the one path
    of ``tenants sync`` and of a city added at ``/province/tenants/`` (``source_file`` empty: a city
    that lives in the database only, which sync leaves alone). Returns the tenant id."""
    # the only scope that may write tenant rows (switch_tenant below leaves it public)
    await db.set_local({"app.scope": "provisioning", "app.tenant_id": ""})
    values = _tenant_values(spec, source_file)
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
        report.schemes_written += await sync_schemes(list(schemes))
        report.programs_written += await sync_programs(list(programs))
        await sync_texts(spec.notify.texts)
        # [trade] return_day and tolerance_percent → trade_setting
        await trade_settings.save(trade_settings.Settings(spec.trade.return_day, spec.trade.tolerance_percent))
    return row.id


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
