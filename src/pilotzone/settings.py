"""Typed settings, read from the environment once.

Unset service URLs mean "start it embedded": ``DATABASE_URL`` (pgserver), ``S3_ENDPOINT``
(``weed mini``), ``REDIS_URL`` (in-process StubBroker worker). In production mode every
secret must be set explicitly; :func:`get_settings` refuses to build otherwise.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import quote, urlsplit, urlunsplit

import msgspec

ROOT = Path(__file__).resolve().parents[2]

DEV_SECRET = "dev-only-secret-not-for-production"
DEV_APP_DB_PASSWORD = "pilotzone-dev-app"

DEFAULT_UPLOAD_TYPES = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/ofd",
)


class SettingsError(RuntimeError):
    """A setting is missing or invalid; the message names the variable."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, got {value!r}")


def _int(name: str, default: int) -> int:
    value = _env(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {value!r}") from None


class OIDCRuleSetting(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One claim rule of a deployment-wide OpenID provider: a province role, or a role in ``tenant``."""

    claim_value: str
    role: Literal["province_admin", "province_viewer", "bureau_admin", "bureau_reviewer", "district_reviewer"]
    tenant: str = ""  # tenant slug, for the tenant roles
    district_code: str = ""  # district_reviewer only


class OIDCProviderSetting(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One entry of ``OIDC_PROVIDERS`` (a JSON list); the secret stays in the variable it names."""

    key: Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9-]{1,39}$")]
    label: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    issuer: Annotated[str, msgspec.Meta(pattern=r"^https?://")]
    client_id: Annotated[str, msgspec.Meta(min_length=1)]
    client_secret_env: Annotated[str, msgspec.Meta(pattern=r"^([A-Z][A-Z0-9_]*)?$")] = (
        ""  # "" = public client
    )
    scopes: tuple[str, ...] = ("openid", "email", "profile")
    auto_provision: bool = False
    role_claim: str = ""
    rules: tuple[OIDCRuleSetting, ...] = ()


@dataclass(frozen=True, slots=True)
class Settings:
    env: str = "development"
    data_dir: Path = ROOT / ".pilotzone"
    secret_key: str = DEV_SECRET
    # database: the owner URL runs migrations; the app connects as app_db_user (no BYPASSRLS)
    database_url: str | None = None
    app_database_url: str | None = None
    app_db_user: str = "pilotzone_app"
    app_db_password: str = DEV_APP_DB_PASSWORD
    province_db_role: str = "pilotzone_province"
    db_pool_min: int = 2
    db_pool_max: int = 10
    # broker
    redis_url: str | None = None
    dramatiq_namespace: str = "pilotzone"
    # S3 (MinIO API)
    s3_endpoint: str | None = None
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_bucket: str = "pilotzone"
    s3_secure: bool = False
    s3_region: str = "us-east-1"
    upload_max_bytes: int = 200 * 1024 * 1024
    upload_allowed_types: tuple[str, ...] = DEFAULT_UPLOAD_TYPES
    # web
    host: str = "127.0.0.1"
    port: int = 8000
    default_locale: str = "zh_CN"
    tenants_dir: Path = ROOT / "tenants"
    host_map: dict[str, str] = field(default_factory=dict)
    # the site's public address: certificates issued by the scheduler point their QR code at it
    public_url: str = "http://127.0.0.1:8000"
    # deployment-wide OpenID providers (tenant-owned ones come from tenants/<slug>.toml)
    oidc_providers: tuple[OIDCProviderSetting, ...] = ()

    @property
    def production(self) -> bool:
        return self.env == "production"

    def owner_dsn(self) -> str:
        if not self.database_url:
            raise SettingsError("DATABASE_URL is not set and no embedded database was started")
        return self.database_url

    def app_dsn(self) -> str:
        """The DSN of the RLS-bound application role (derived from DATABASE_URL unless given)."""
        if self.app_database_url:
            return self.app_database_url
        parts = urlsplit(self.owner_dsn())
        host = parts.netloc.rsplit("@", 1)[-1]
        netloc = f"{quote(self.app_db_user)}:{quote(self.app_db_password)}@{host}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)


def _host_map(raw: str | None) -> dict[str, str]:
    """``TENANT_HOSTS="gz.example.cn=guangzhou,fs.example.cn=foshan"``."""
    result: dict[str, str] = {}
    for item in (raw or "").split(","):
        if not item.strip():
            continue
        host, _, slug = item.partition("=")
        if not slug:
            raise SettingsError(f"TENANT_HOSTS entry {item!r} must look like host=slug")
        result[host.strip().lower()] = slug.strip()
    return result


def _oidc_providers(raw: str | None) -> tuple[OIDCProviderSetting, ...]:
    """``OIDC_PROVIDERS='[{"key": "gd-idp", "label": "...", "issuer": "https://...", "client_id": "...",
    "client_secret_env": "GD_IDP_SECRET", "rules": [{"claim_value": "x", "role": "province_viewer"}]}]'``."""
    if not raw:
        return ()
    try:
        providers = msgspec.json.decode(raw, type=tuple[OIDCProviderSetting, ...])
    except msgspec.ValidationError as exc:  # (a DecodeError subclass: first)
        raise SettingsError(f"OIDC_PROVIDERS: {exc}") from None
    except msgspec.DecodeError as exc:
        raise SettingsError(f"OIDC_PROVIDERS is not valid JSON: {exc}") from None
    keys: set[str] = set()
    for i, p in enumerate(providers):
        where = f"OIDC_PROVIDERS[{i}]"
        if p.key in keys:
            raise SettingsError(f"{where}.key: duplicate provider key {p.key!r}")
        keys.add(p.key)
        if "openid" not in p.scopes:
            raise SettingsError(f"{where}.scopes must include 'openid'")
        if p.rules and not p.role_claim:
            raise SettingsError(f"{where}.role_claim must name the claim the rules match")
        if p.client_secret_env and _env(p.client_secret_env) is None:
            raise SettingsError(f"{where}.client_secret_env: the variable {p.client_secret_env} is not set")
        for j, rule in enumerate(p.rules):
            at = f"{where}.rules[{j}]"
            if rule.role.startswith("province_") and (rule.tenant or rule.district_code):
                raise SettingsError(f"{at}: a province role takes no tenant or district_code")
            if not rule.role.startswith("province_") and not rule.tenant:
                raise SettingsError(f"{at}.tenant: role {rule.role!r} needs the tenant slug it applies in")
            if (rule.role == "district_reviewer") != bool(rule.district_code):
                raise SettingsError(f"{at}.district_code: required for district_reviewer, and only for it")
    return providers


def load_settings() -> Settings:
    env = _env("PILOTZONE_ENV", "development")
    if env not in ("development", "production", "test"):
        raise SettingsError(f"PILOTZONE_ENV must be development, production or test, got {env!r}")
    types = _env("UPLOAD_ALLOWED_TYPES")
    settings = Settings(
        env=env,
        data_dir=Path(_env("PILOTZONE_DATA_DIR", str(ROOT / ".pilotzone"))).resolve(),
        secret_key=_env("SECRET_KEY", DEV_SECRET),
        database_url=_env("DATABASE_URL"),
        app_database_url=_env("APP_DATABASE_URL"),
        app_db_user=_env("APP_DB_USER", "pilotzone_app"),
        app_db_password=_env("APP_DB_PASSWORD", DEV_APP_DB_PASSWORD),
        province_db_role=_env("PROVINCE_DB_ROLE", "pilotzone_province"),
        db_pool_min=_int("DB_POOL_MIN", 2),
        db_pool_max=_int("DB_POOL_MAX", 10),
        redis_url=_env("REDIS_URL"),
        dramatiq_namespace=_env("DRAMATIQ_NAMESPACE", "pilotzone"),
        s3_endpoint=_env("S3_ENDPOINT"),
        s3_access_key=_env("S3_ACCESS_KEY"),
        s3_secret_key=_env("S3_SECRET_KEY"),
        s3_bucket=_env("S3_BUCKET", "pilotzone"),
        s3_secure=_bool("S3_SECURE", False),
        s3_region=_env("S3_REGION", "us-east-1"),
        upload_max_bytes=_int("UPLOAD_MAX_BYTES", 200 * 1024 * 1024),
        upload_allowed_types=tuple(t.strip() for t in types.split(",")) if types else DEFAULT_UPLOAD_TYPES,
        host=_env("PILOTZONE_HOST", "127.0.0.1"),
        port=_int("PILOTZONE_PORT", 8000),
        default_locale=_env("DEFAULT_LOCALE", "zh_CN"),
        tenants_dir=Path(_env("TENANTS_DIR", str(ROOT / "tenants"))).resolve(),
        host_map=_host_map(_env("TENANT_HOSTS")),
        public_url=_env("PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
        oidc_providers=_oidc_providers(_env("OIDC_PROVIDERS")),
    )
    if settings.production:
        check_production(settings)
    return settings


def check_production(settings: Settings) -> None:
    """Production has no embedded services and no usable default secret."""
    required = {
        "SECRET_KEY": settings.secret_key != DEV_SECRET and len(settings.secret_key) >= 32,
        "DATABASE_URL": bool(settings.database_url),
        "APP_DB_PASSWORD": bool(settings.app_database_url) or settings.app_db_password != DEV_APP_DB_PASSWORD,
        "REDIS_URL": bool(settings.redis_url),
        "S3_ENDPOINT": bool(settings.s3_endpoint),
        "S3_ACCESS_KEY": bool(settings.s3_access_key),
        "S3_SECRET_KEY": bool(settings.s3_secret_key),
    }
    missing = [name for name, ok in required.items() if not ok]
    if missing:
        raise SettingsError(
            "production mode refuses to start; set "
            + ", ".join(missing)
            + " (SECRET_KEY: at least 32 random characters, not the development default)"
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


def reload_settings() -> Settings:
    """Drop the cached settings (after the embedded launcher exported service URLs)."""
    get_settings.cache_clear()
    return get_settings()
