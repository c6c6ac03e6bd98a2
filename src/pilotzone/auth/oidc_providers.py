"""OIDC providers (deployment-wide and per city) and the sign-in failures; see auth/oidc.py."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

from pilotzone.settings import OIDCProviderSetting, get_settings
from pilotzone.tenancy.tables import Tenant
from pilotzone.web.labels import N_

log = logging.getLogger(__name__)

FLOW_COOKIE = "pz_oidc"
FLOW_PATH = "/oidc/"
FLOW_TTL = 600  # seconds between leaving for the provider and coming back
CACHE_SECONDS = 3600.0  # discovery documents and key sets
HTTP_TIMEOUT = 10.0
LEEWAY = 60  # clock skew allowed on exp/iat
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
DEFAULT_SCOPES = ("openid", "email", "profile")


# -- providers ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rule:
    """``claim_value`` in the role claim grants ``role``: a province role, or a tenant role in
    ``tenant`` (a slug; a city's own provider: always its city), narrowed to ``district_code``."""

    claim_value: str
    role: str
    tenant: str = ""
    district_code: str = ""


@dataclass(frozen=True, slots=True)
class Provider:
    key: str
    label: str
    issuer: str
    client_id: str
    client_secret_env: str = ""  # the variable holding the secret; "" = public client (PKCE only)
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    auto_provision: bool = False
    role_claim: str = ""
    rules: tuple[Rule, ...] = ()
    tenant_id: int | None = None  # a city's own provider; None: deployment-wide
    tenant_slug: str = ""

    @property
    def client_secret(self) -> str | None:
        return (os.environ.get(self.client_secret_env) or None) if self.client_secret_env else None

    @property
    def available(self) -> bool:
        return not self.client_secret_env or self.client_secret is not None


def provider_from_setting(setting: OIDCProviderSetting) -> Provider:
    return Provider(
        key=setting.key,
        label=setting.label,
        issuer=setting.issuer,
        client_id=setting.client_id,
        client_secret_env=setting.client_secret_env,
        scopes=tuple(setting.scopes),
        auto_provision=setting.auto_provision,
        role_claim=setting.role_claim,
        rules=tuple(Rule(r.claim_value, r.role, r.tenant, r.district_code) for r in setting.rules),
    )


def provider_from_tenant(entry: dict[str, Any], tenant_id: int, slug: str) -> Provider:
    """A provider of ``tenant.oidc`` (validated by the loader); its rules apply in its own tenant."""
    return Provider(
        key=entry["key"],
        label=entry["label"],
        issuer=entry["issuer"],
        client_id=entry["client_id"],
        client_secret_env=entry.get("client_secret_env") or "",
        scopes=tuple(entry.get("scopes") or DEFAULT_SCOPES),
        auto_provision=bool(entry.get("auto_provision")),
        role_claim=entry.get("role_claim") or "",
        rules=tuple(
            Rule(r["claim_value"], r["role"], slug, r.get("district_code") or "")
            for r in entry.get("rules") or []
        ),
        tenant_id=tenant_id,
        tenant_slug=slug,
    )


_registered: dict[str, Provider] = {}
_settings_loaded = False


def register_provider(provider: Provider) -> Provider:
    """Make ``provider`` usable under ``/oidc/<key>/``; a key can be registered once."""
    _deployment_providers()
    if provider.key in _registered and _registered[provider.key] != provider:
        raise ValueError(f"an OpenID provider with key {provider.key!r} is already registered")
    _registered[provider.key] = provider
    return provider


def unregister_provider(key: str) -> None:
    _registered.pop(key, None)


def _deployment_providers() -> dict[str, Provider]:
    global _settings_loaded
    if not _settings_loaded:
        _settings_loaded = True
        for setting in get_settings().oidc_providers:
            _registered.setdefault(setting.key, provider_from_setting(setting))
    return _registered


async def _tenant_providers(tenant_id: int | None = None) -> list[Provider]:
    query = Tenant.select(Tenant.id, Tenant.slug, Tenant.oidc).where(Tenant.active == True)  # noqa: E712
    if tenant_id is not None:
        query = query.where(Tenant.id == tenant_id)
    rows = await query.order_by(Tenant.sort_order).output(load_json=True)
    return [
        provider_from_tenant(entry, row["id"], row["slug"]) for row in rows for entry in row["oidc"] or []
    ]


async def find_provider(key: str) -> Provider | None:
    """The usable provider with this key (deployment-wide first, then the cities' own)."""
    provider = _deployment_providers().get(key)
    if provider is None:
        provider = next((p for p in await _tenant_providers() if p.key == key), None)
    return provider if provider is not None and provider.available else None


async def login_choices(tenant_id: int | None = None) -> list[dict[str, str]]:
    """``[{key, label}]`` for the sign-in page: deployment-wide providers, then the cities' own (only
    the current city's when the page is served for one)."""
    providers = [*_deployment_providers().values(), *await _tenant_providers(tenant_id)]
    return [{"key": p.key, "label": p.label} for p in providers if p.available]


# -- failures ----------------------------------------------------------------------------------


class SignInFailed(Exception):
    """``reason`` goes to the audit log; ``message`` (a msgid) to the page, with ``status``."""

    def __init__(
        self, reason: str, message: str, status: int = 400, detail: str = "", email: str = "", **params: str
    ) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason, self.message, self.status, self.detail, self.email, self.params = (
            reason,
            message,
            status,
            detail,
            email,
            params,
        )


MSG_FLOW = N_(
    "This sign-in was not started in this browser, or took longer than 10 minutes. Start again from the sign-in page."
)
MSG_MISMATCH = N_(
    "The answer from the identity provider does not belong to the sign-in started in this browser."
)
MSG_PROVIDER_ERROR = N_("The identity provider did not sign you in (%(error)s).")
MSG_CODE = N_(
    "The identity provider refused the sign-in code: it is invalid, already used or expired. Start again."
)
MSG_TOKEN = N_("The identity provider's answer could not be verified.")
MSG_UNREACHABLE = N_("The identity provider cannot be reached or answered wrongly. Try again later.")
MSG_NO_ACCOUNT = N_("There is no account for this identity. Ask your bureau administrator to invite you.")
MSG_UNVERIFIED = N_(
    "Your identity provider has not confirmed your email address, so no account can be created for it. Ask your bureau administrator to invite you."
)
MSG_DISABLED = N_("This account is disabled. Ask your bureau administrator.")
MSG_ELSEWHERE = N_(
    "This identity provider belongs to one pilot zone and may not sign in this account, which also works elsewhere. Sign in with your password or another option."
)
