"""The shape of a tenant file (``tenants/<slug>.toml``) and its checks: :func:`parse_file` reads one
file, :func:`check` the rules beyond the types (every district code against the GB/T 2260 dataset of
:mod:`pilotzone.tenancy.divisions`), :func:`load_dir` every file. The city form of
``/province/tenants/`` builds the same :class:`TenantSpec` and passes the same :func:`check`."""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import msgspec

from pilotzone.auth.tables import PROVINCE_ROLES, TENANT_ROLES
from pilotzone.notify.texts import NotifySpec
from pilotzone.registry.tables import PARK_KINDS
from pilotzone.tenancy import divisions
from pilotzone.trade.settings import DEFAULT_DAY, DEFAULT_TOLERANCE

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


Code = Annotated[str, msgspec.Meta(pattern=r"^\d{6}$")]


class District(_Strict):
    """A district of the pilot zone: a GB/T 2260 code of the dataset; its Chinese name is the dataset's,
    ``en`` an optional English name (the Chinese name is shown where there is none)."""

    code: Code
    en: str = ""


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


class TradeSpec(_Strict):
    """``[trade]``: the monthly statistical return of month M is due by ``return_day`` of month M+1;
    a declared/official gap above ``tolerance_percent`` of the official figure is flagged
    (``trade/reconcile.py``; 0–100, at most two decimals, default 10)."""

    return_day: Annotated[int, msgspec.Meta(ge=1, le=28)] = DEFAULT_DAY
    tolerance_percent: Decimal = DEFAULT_TOLERANCE

    def __post_init__(self) -> None:
        if not Decimal(0) <= self.tolerance_percent <= Decimal(100):
            raise ValueError("tolerance_percent is a percentage between 0 and 100")
        if self.tolerance_percent != self.tolerance_percent.quantize(Decimal("0.01")):
            raise ValueError("tolerance_percent has at most two decimals")


class TenantSpec(_Strict):
    slug: Slug
    name: Names
    zone: Zone
    bureau: Names
    branding: Branding
    division: Code  # the prefecture's GB/T 2260 code (440100 广州市)
    districts: list[District] = []  # none listed: every district of the prefecture in the dataset
    parks: list[ParkSpec] = []
    sources: Annotated[list[Source], msgspec.Meta(min_length=1)] = []
    sort_order: int = 100
    oidc: list[OidcSpec] = []
    certificate_prefix: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{2,4}$")] = ""
    notify: NotifySpec = msgspec.field(default_factory=NotifySpec)  # [notify.texts.<event>] overrides
    time_zone: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z_]+(/[A-Za-z_+-]+)+$")] = "Asia/Shanghai"
    trade: TradeSpec = msgspec.field(default_factory=TradeSpec)


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
    check(path, spec)


def check(path: Path | str, spec: TenantSpec) -> None:
    """The rules beyond the types, for a file and for the city form alike."""
    prefecture = divisions.get(spec.division)
    if prefecture is None or prefecture.level != "prefecture":
        raise TenantFileError(
            path,
            "division",
            f"'{spec.division}' is not a prefecture-level code of the GB/T 2260 dataset ({divisions.dataset()})",
        )
    own = {d.code for d in divisions.districts_of(spec.division)}
    codes: set[str] = set()
    for i, district in enumerate(spec.districts):
        if district.code in codes:
            raise TenantFileError(path, f"districts[{i}].code", f"duplicate district code '{district.code}'")
        if divisions.get(district.code) is None:
            raise TenantFileError(
                path,
                f"districts[{i}].code",
                f"'{district.code}' is not a code of the GB/T 2260 dataset ({divisions.dataset()})",
            )
        if district.code not in own:
            raise TenantFileError(
                path,
                f"districts[{i}].code",
                f"'{district.code}' ({divisions.name(district.code)}) is not a district of "
                f"{spec.division} ({prefecture.name})",
            )
        codes.add(district.code)
    codes = codes or own
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


def _check_oidc(path: Path | str, spec: TenantSpec, codes: set[str]) -> None:
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


def resolved_districts(spec: TenantSpec) -> list[dict[str, str]]:
    """The districts as stored on the tenant row: code, the dataset's name, the English name (or the
    Chinese one). None listed: every district of the prefecture."""
    listed = spec.districts or [District(d.code) for d in divisions.districts_of(spec.division)]
    out = []
    for district in listed:
        zh = divisions.name(district.code) or district.code
        out.append({"code": district.code, "zh": zh, "en": district.en or zh})
    return out


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


