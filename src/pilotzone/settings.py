"""Typed settings, read from the environment once.

Unset service URLs mean "start it embedded": ``DATABASE_URL`` (pgserver), ``S3_ENDPOINT``
(``weed mini``), ``REDIS_URL`` (in-process StubBroker worker). In production mode every
secret must be set explicitly; :func:`get_settings` refuses to build otherwise.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, overload
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


class ServiceUnavailable(RuntimeError):
    """A service the configuration names (PostgreSQL, S3, Redis) cannot be reached right now.

    The message is one line naming the service, where it was looked for and the variable that says so;
    the web app answers 503 with it, the CLI prints it without a traceback."""

    service: str = ""  # "database", "s3", "broker": which page text explains it


@overload
def _env(name: str, default: str) -> str: ...
@overload
def _env(name: str, default: None = None) -> str | None: ...
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


def _float(name: str, default: float) -> float:
    value = _env(name)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {value!r}") from None
    if not number > 0:
        raise SettingsError(f"{name} must be above 0, got {value!r}")
    return number


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
    redis_timeout: float = 3.0  # seconds to connect to / hear from Redis before a send counts as failed
    job_resend_interval: float = 15.0  # seconds between two re-sends of recorded-but-unsent job runs
    job_stall_after: float = 600.0  # an unfinished run sent this long ago without progress is "stalled"
    # S3 (MinIO API)
    s3_endpoint: str | None = None
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_bucket: str = "pilotzone"
    s3_secure: bool = False
    s3_region: str = "us-east-1"
    s3_connect_timeout: float = 2.0  # seconds; with the read timeout and retries it bounds a failing request
    s3_read_timeout: float = 20.0
    s3_retries: int = 1  # retries of one S3 request after a connection error or a 5xx (0 = none)
    embedded_s3_port: int = 8333
    upload_max_bytes: int = 200 * 1024 * 1024
    upload_allowed_types: tuple[str, ...] = DEFAULT_UPLOAD_TYPES
    # Office (OOXML) uploads are ZIP archives: limits read from the central directory (ZIP bombs)
    upload_zip_max_uncompressed_bytes: int = 256 * 1024 * 1024
    upload_zip_max_entries: int = 10_000
    upload_zip_max_ratio: int = 200
    # web
    # reverse proxies whose X-Forwarded-For is believed (IPs/CIDRs); none: the TCP peer is the client
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    hsts_max_age: int = 31_536_000  # seconds; sent in production only
    host: str = "127.0.0.1"
    port: int = 8000
    default_locale: str = "zh_CN"
    tenants_dir: Path = ROOT / "tenants"
    host_map: dict[str, str] = field(default_factory=dict)
    # the site's public address: certificates issued by the scheduler point their QR code at it
    public_url: str = "http://127.0.0.1:8000"
    # deployment-wide OpenID providers (tenant-owned ones come from tenants/<slug>.toml)
    oidc_providers: tuple[OIDCProviderSetting, ...] = ()
    # notifications (pilotzone.notify): email over SMTP, SMS through an HTTP gateway
    smtp_host: str | None = None  # unset: no email (the embedded serve starts a local sink instead)
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout: float = 10.0
    mail_from: str = "PilotZone <noreply@pilotzone.local>"
    sms_gateway_url: str | None = None  # unset: no SMS
    sms_gateway_body: str = '{"to":"{phone}","text":"{text}"}'  # {phone}, {text}: JSON-escaped
    sms_gateway_token: str | None = None  # sent as "Authorization: Bearer <token>"
    # the machine API (pilotzone.api): requests per client per window, token lifetime, idempotency
    api_rate_limit: int = 600
    api_rate_window: int = 60  # seconds (a fixed window per client, counted in Redis)
    api_token_ttl: int = 3600  # seconds an access token is valid
    api_idempotency_hours: int = 24  # how long an Idempotency-Key's answer is replayed
    # seconds before the 2nd, 3rd, … attempt of a failed delivery; after the last one it is failed
    notify_retry_delays: tuple[float, ...] = (60.0, 300.0, 1800.0)

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

    def with_overrides(self, **changes: Any) -> Settings:
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


def _networks(name: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """``TRUSTED_PROXIES="10.0.0.5,10.1.0.0/16,::1"``."""
    result = []
    for item in (_env(name) or "").split(","):
        if item.strip():
            try:
                result.append(ipaddress.ip_network(item.strip(), strict=False))
            except ValueError:
                raise SettingsError(f"{name} entry {item.strip()!r} is not an IP address or CIDR") from None
    return tuple(result)


def _delays(raw: str) -> tuple[float, ...]:
    try:
        return tuple(float(part) for part in raw.split(",") if part.strip())
    except ValueError:
        raise SettingsError(f"NOTIFY_RETRY_DELAYS must be comma-separated seconds, not {raw!r}") from None


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
        redis_timeout=_float("REDIS_TIMEOUT", 3.0),
        job_resend_interval=_float("JOB_RESEND_INTERVAL", 15.0),
        job_stall_after=_float("JOB_STALL_AFTER", 600.0),
        s3_endpoint=_env("S3_ENDPOINT"),
        s3_access_key=_env("S3_ACCESS_KEY"),
        s3_secret_key=_env("S3_SECRET_KEY"),
        s3_bucket=_env("S3_BUCKET", "pilotzone"),
        s3_secure=_bool("S3_SECURE", False),
        s3_region=_env("S3_REGION", "us-east-1"),
        s3_connect_timeout=_float("S3_CONNECT_TIMEOUT", 2.0),
        s3_read_timeout=_float("S3_READ_TIMEOUT", 20.0),
        s3_retries=_int("S3_RETRIES", 1),
        embedded_s3_port=_int("EMBEDDED_S3_PORT", 8333),
        upload_max_bytes=_int("UPLOAD_MAX_BYTES", 200 * 1024 * 1024),
        upload_allowed_types=tuple(t.strip() for t in types.split(",")) if types else DEFAULT_UPLOAD_TYPES,
        upload_zip_max_uncompressed_bytes=_int("UPLOAD_ZIP_MAX_UNCOMPRESSED_BYTES", 256 * 1024 * 1024),
        upload_zip_max_entries=_int("UPLOAD_ZIP_MAX_ENTRIES", 10_000),
        upload_zip_max_ratio=_int("UPLOAD_ZIP_MAX_RATIO", 200),
        trusted_proxies=_networks("TRUSTED_PROXIES"),
        hsts_max_age=_int("HSTS_MAX_AGE", 31_536_000),
        host=_env("PILOTZONE_HOST", "127.0.0.1"),
        port=_int("PILOTZONE_PORT", 8000),
        default_locale=_env("DEFAULT_LOCALE", "zh_CN"),
        tenants_dir=Path(_env("TENANTS_DIR", str(ROOT / "tenants"))).resolve(),
        host_map=_host_map(_env("TENANT_HOSTS")),
        public_url=_env("PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
        oidc_providers=_oidc_providers(_env("OIDC_PROVIDERS")),
        smtp_host=_env("SMTP_HOST") or None,
        smtp_port=_int("SMTP_PORT", 25),
        smtp_user=_env("SMTP_USER") or None,
        smtp_password=_env("SMTP_PASSWORD") or None,
        smtp_starttls=_bool("SMTP_STARTTLS", False),
        smtp_timeout=_float("SMTP_TIMEOUT", 10.0),
        mail_from=_env("MAIL_FROM", "PilotZone <noreply@pilotzone.local>"),
        sms_gateway_url=_env("SMS_GATEWAY_URL") or None,
        sms_gateway_body=_env("SMS_GATEWAY_BODY", '{"to":"{phone}","text":"{text}"}'),
        api_rate_limit=_int("API_RATE_LIMIT", 600),
        api_rate_window=_int("API_RATE_WINDOW", 60),
        api_token_ttl=_int("API_TOKEN_TTL", 3600),
        api_idempotency_hours=_int("API_IDEMPOTENCY_HOURS", 24),
        sms_gateway_token=_env("SMS_GATEWAY_TOKEN") or None,
        notify_retry_delays=_delays(_env("NOTIFY_RETRY_DELAYS", "60,300,1800")),
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
