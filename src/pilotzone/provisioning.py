"""``pilotzone tenants sync``: parse and validate every tenants/*.toml (with each tenant's
``schemes.toml`` and ``programs.toml``) first, then write all of them in one transaction: the tenant
rows, the policy parks (registry), the schemes (certification) and the programs (funding), each through
the domain's own functions. Part of the composition root: it is the one module that knows every
domain a tenant file configures.

A bad file raises :class:`TenantFileError` naming the file, the key and the reason; nothing is
written. Syncing twice changes nothing the second time.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import msgspec

from pilotzone import db
from pilotzone.auth.tables import PROVINCE_ROLES, TENANT_ROLES
from pilotzone.certification.schemes import SchemeError, SchemeSpec
from pilotzone.certification.schemes import parse as parse_schemes
from pilotzone.certification.services import sync_schemes
from pilotzone.funding.program_spec import ProgramSpec
from pilotzone.funding.programs import ProgramError
from pilotzone.funding.programs import parse as parse_programs
from pilotzone.funding.services import sync_programs
from pilotzone.notify.provision import sync_texts
from pilotzone.notify.texts import NotifySpec
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


# roles a city's identity provider may grant from a claim (park and enterprise users need a park or
# enterprise, which a claim does not name: they are invited in the app)
OIDC_RULE_ROLES = ("bureau_admin", "bureau_reviewer", "district_reviewer")


class OidcRule(_Strict):
    claim_value: Text
    role: str
    district_code: str = ""


class OidcSpec(_Strict):
    """``[[oidc]]``: the city's own OpenID provider. The secret is never here: ``client_secret_env``
    names the environment variable that holds it (empty: a public client, PKCE only)."""

    key: Slug
    label: Text
    issuer: Annotated[str, msgspec.Meta(min_length=8, max_length=300)]
    client_id: Text
    client_secret_env: Annotated[str, msgspec.Meta(pattern=r"^([A-Z][A-Z0-9_]*)?$")] = ""
    scopes: list[str] = msgspec.field(default_factory=lambda: ["openid", "email", "profile"])
    auto_provision: bool = False
    role_claim: str = ""
    rules: list[OidcRule] = []


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
    oidc: list[OidcSpec] = []
    certificate_prefix: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{2,4}$")] = ""
    notify: NotifySpec = msgspec.field(default_factory=NotifySpec)  # [notify.texts.<event>] overrides
    time_zone: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z_]+(/[A-Za-z_+-]+)+$")] = "Asia/Shanghai"


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
    oidc = raw.get("oidc")
    for i, entry in enumerate(oidc if isinstance(oidc, list) else []):
        if isinstance(entry, dict) and "client_secret" in entry:
            raise TenantFileError(
                path,
                f"oidc[{i}].client_secret",
                "secrets never go in tenant files: put it in an environment variable and name that variable "
                "in client_secret_env",
            )
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
    _check_oidc(path, spec, codes)


def _check_oidc(path: Path, spec: TenantSpec, codes: set[str]) -> None:
    keys: set[str] = set()
    for i, provider in enumerate(spec.oidc):
        at = f"oidc[{i}]"
        if provider.key in keys:
            raise TenantFileError(path, f"{at}.key", f"duplicate provider key '{provider.key}'")
        keys.add(provider.key)
        issuer = urlsplit(provider.issuer)
        local = issuer.hostname in ("127.0.0.1", "localhost", "::1")
        if not issuer.hostname or not (issuer.scheme == "https" or (issuer.scheme == "http" and local)):
            raise TenantFileError(path, f"{at}.issuer", f"'{provider.issuer}' must be an https:// URL")
        if "openid" not in provider.scopes:
            raise TenantFileError(path, f"{at}.scopes", "must include 'openid'")
        if provider.rules and not provider.role_claim:
            raise TenantFileError(path, f"{at}.role_claim", "name the claim that the rules match")
        for j, rule in enumerate(provider.rules):
            where = f"{at}.rules[{j}]"
            if rule.role in PROVINCE_ROLES:
                raise TenantFileError(
                    path,
                    f"{where}.role",
                    f"'{rule.role}' is a provincial role; a city's provider grants roles in this city only",
                )
            if rule.role not in TENANT_ROLES:
                raise TenantFileError(
                    path, f"{where}.role", f"'{rule.role}' is not one of {', '.join(OIDC_RULE_ROLES)}"
                )
            if rule.role not in OIDC_RULE_ROLES:
                raise TenantFileError(
                    path,
                    f"{where}.role",
                    f"'{rule.role}' needs a park or enterprise, which a claim cannot name; invite these users "
                    f"in the app (rules may grant {', '.join(OIDC_RULE_ROLES)})",
                )
            if rule.role == "district_reviewer" and not rule.district_code:
                raise TenantFileError(
                    path, f"{where}.district_code", "district_reviewer needs a district_code"
                )
            if rule.district_code and rule.role != "district_reviewer":
                raise TenantFileError(
                    path, f"{where}.district_code", "only district_reviewer rules take a district_code"
                )
            if rule.district_code and rule.district_code not in codes:
                raise TenantFileError(
                    path, f"{where}.district_code", f"'{rule.district_code}' is not a code in [[districts]]"
                )


def load_dir(directory: Path) -> list[TenantSpec]:
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise TenantFileError(directory, "(files)", "no *.toml tenant files found")
    specs = [parse_file(path) for path in files]
    owners: dict[str, str] = {}  # provider keys are global: /oidc/<key>/...
    for path, spec in zip(files, specs, strict=True):
        for i, provider in enumerate(spec.oidc):
            if provider.key in owners:
                raise TenantFileError(
                    path,
                    f"oidc[{i}].key",
                    f"'{provider.key}' is already the key of a provider in {owners[provider.key]}",
                )
            owners[provider.key] = path.name
    return specs


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
        "districts": msgspec.to_builtins(spec.districts),
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
            # the only scope that may write tenant rows (switch_tenant below leaves it public)
            await db.set_local({"app.scope": "provisioning", "app.tenant_id": ""})
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
                report.schemes_written += await sync_schemes(schemes.get(spec.slug, []))
                report.programs_written += await sync_programs(programs.get(spec.slug, []))
                await sync_texts(spec.notify.texts)
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
