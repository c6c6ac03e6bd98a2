"""OpenID Connect sign-in: authorization code + PKCE (S256), ``state`` and ``nonce``. The only module
that imports Authlib (ID tokens are checked with joserfc).

Providers
    * deployment-wide, from ``OIDC_PROVIDERS`` (``settings.oidc_providers``), registered on first use.
      Their rules grant a province role or a role in a named tenant.
    * a city's own, from ``[[oidc]]`` in ``tenants/<slug>.toml`` (stored in ``tenant.oidc`` by
      ``tenants sync``). Their rules grant roles in that city only, and they only sign in accounts that
      work in that city alone (no province role, no membership elsewhere): a city's identity provider
      must not be able to take over a provincial account or one of another city.
    :func:`register_provider` adds a :class:`Provider` object directly (settings loading and tests).
    A provider whose ``client_secret_env`` names an unset variable is not offered and cannot be used.

Where the flow is kept between the redirect to the provider and the callback
    In the ``pz_oidc`` cookie (Path=/oidc/, HttpOnly, SameSite=Lax, Secure in production, 10 minutes).
    Its value is the JSON ``{provider, state, nonce, PKCE verifier, next, expiry}``, base64url-encoded
    and signed with HMAC-SHA256 under a key derived from ``settings.secret_key``. A cookie rather than
    a table: nothing is written before the person has even reached the provider, nothing needs
    cleaning up, and it works the same with or without Redis. The signature rejects forged or altered
    values and the expiry is inside the signed part. The browser can read its own nonce and verifier
    (not scripts: HttpOnly); they protect this browser's flow against others (injected or replayed
    codes and tokens), and nobody else can read or plant the cookie. SameSite=Lax still sends it on the
    provider's redirect back (a top-level GET). The callback compares ``state`` in constant time, sends
    the verifier with the code, checks the ID token's nonce, and drops the cookie whatever the outcome.
    One sign-in per browser at a time: starting another replaces the cookie.

Who signs in
    The account linked to (issuer, subject); else the account with the ID token's email when the
    token says ``email_verified`` (the identity is linked); else, when the provider may
    ``auto_provision``, a new account with the memberships (or province role) its rules give for the
    role claim (none matched: no membership); else refused. Audit: ``login.oidc``, ``identity.linked``,
    ``user.provisioned``, ``login.oidc_failed`` (reason in ``note``).

The callback URL is ``<scheme>://<host>/oidc/<key>/callback`` as the request sees it: register that at
the provider (behind a TLS proxy, the server must be told about forwarded headers).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
import time
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import authlib.deprecate  # noqa: F401  (installs its warning filter before ours below)
import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from litestar.datastructures import Cookie

from pilotzone import db
from pilotzone.auth import audit
from pilotzone.auth.principal import load_memberships
from pilotzone.auth.services import add_membership, normalise_email
from pilotzone.auth.tables import PROVINCE_ROLES, User, UserIdentity
from pilotzone.settings import OIDCProviderSetting, get_settings
from pilotzone.tenancy.context import TenantContext, current_context, switch_tenant
from pilotzone.tenancy.tables import Tenant
from pilotzone.web.labels import N_

with warnings.catch_warnings():
    # Authlib 1.9.9 prefers the `httpx2` package and warns when it falls back to httpx (0.28.1 here)
    warnings.filterwarnings("ignore", message="The httpx module is deprecated")
    from authlib.integrations.base_client import OAuthError
    from authlib.integrations.httpx_client import AsyncOAuth2Client

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


# -- the signed flow cookie --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Flow:
    provider: str
    state: str
    nonce: str
    verifier: str
    next: str
    expires: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _flow_key() -> bytes:
    return hmac.new(get_settings().secret_key.encode(), b"pilotzone/oidc-flow/v1", hashlib.sha256).digest()


def seal(flow: Flow) -> str:
    body = _b64(
        json.dumps([flow.provider, flow.state, flow.nonce, flow.verifier, flow.next, flow.expires]).encode()
    )
    return body + "." + _b64(hmac.new(_flow_key(), body.encode(), hashlib.sha256).digest())


def unseal(value: str | None, now: float | None = None) -> Flow:
    if not value or len(value) > 4096 or value.count(".") != 1:
        raise SignInFailed("flow_missing", MSG_FLOW)
    body, signature = value.split(".")
    expected = _b64(hmac.new(_flow_key(), body.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(signature, expected):
        raise SignInFailed("flow_tampered", MSG_FLOW)
    try:
        flow = Flow(*json.loads(_unb64(body)))
    except (ValueError, TypeError):
        raise SignInFailed("flow_tampered", MSG_FLOW) from None
    if flow.expires <= (time.time() if now is None else now):
        raise SignInFailed("flow_expired", MSG_FLOW)
    return flow


def flow_cookie(value: str) -> Cookie:
    return Cookie(
        key=FLOW_COOKIE,
        value=value,
        path=FLOW_PATH,
        max_age=FLOW_TTL,
        httponly=True,
        samesite="lax",
        secure=get_settings().production,
    )


def clear_flow_cookie() -> Cookie:
    return Cookie(
        key=FLOW_COOKIE,
        value="",
        path=FLOW_PATH,
        max_age=0,
        httponly=True,
        samesite="lax",
        secure=get_settings().production,
    )


# -- discovery and keys ------------------------------------------------------------------------

_discovery: dict[str, tuple[float, dict[str, Any]]] = {}
_keysets: dict[str, tuple[float, KeySet]] = {}


def forget_caches() -> None:
    _discovery.clear()
    _keysets.clear()


async def _get_json(url: str) -> Any:
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT, follow_redirects=False) as http:
            response = await http.get(url, headers={"accept": "application/json"})
            response.raise_for_status()
            return response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise SignInFailed("provider_unreachable", MSG_UNREACHABLE, 502, f"{url}: {exc}") from None


async def discover(provider: Provider) -> dict[str, Any]:
    """The provider's ``/.well-known/openid-configuration`` (cached), checked against its issuer."""
    hit = _discovery.get(provider.issuer)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    meta = await _get_json(provider.issuer.rstrip("/") + "/.well-known/openid-configuration")
    if not isinstance(meta, dict) or meta.get("issuer") != provider.issuer:
        raise SignInFailed("discovery_invalid", MSG_UNREACHABLE, 502, "issuer in discovery document differs")
    missing = [
        k
        for k in ("authorization_endpoint", "token_endpoint", "jwks_uri")
        if not isinstance(meta.get(k), str)
    ]
    if missing:
        raise SignInFailed("discovery_invalid", MSG_UNREACHABLE, 502, f"discovery lacks {', '.join(missing)}")
    methods = meta.get("code_challenge_methods_supported")
    if isinstance(methods, list) and "S256" not in methods:
        raise SignInFailed("discovery_invalid", MSG_UNREACHABLE, 502, "provider does not offer PKCE S256")
    _discovery[provider.issuer] = (time.monotonic() + CACHE_SECONDS, meta)
    return meta


async def _keyset(jwks_uri: str, refresh: bool = False) -> KeySet:
    hit = _keysets.get(jwks_uri)
    if hit is not None and hit[0] > time.monotonic() and not refresh:
        return hit[1]
    data = await _get_json(jwks_uri)
    try:
        keys = KeySet.import_key_set(
            {"keys": [k for k in data.get("keys", []) if k.get("use", "sig") == "sig"]}
        )
    except (JoseError, ValueError, TypeError, AttributeError) as exc:
        raise SignInFailed("jwks_invalid", MSG_UNREACHABLE, 502, str(exc)) from None
    _keysets[jwks_uri] = (time.monotonic() + CACHE_SECONDS, keys)
    return keys


# -- the flow ----------------------------------------------------------------------------------


def _client(provider: Provider, redirect_uri: str) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        token_endpoint_auth_method="client_secret_basic" if provider.client_secret else "none",
        scope=" ".join(provider.scopes),
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=HTTP_TIMEOUT,
    )


async def begin(provider: Provider, redirect_uri: str, next_path: str) -> tuple[str, str]:
    """The provider's authorization URL and the sealed flow for the cookie."""
    meta = await discover(provider)
    flow = Flow(
        provider=provider.key,
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        verifier=secrets.token_urlsafe(64),
        next=next_path,
        expires=int(time.time()) + FLOW_TTL,
    )
    async with _client(provider, redirect_uri) as client:
        url, _state = client.create_authorization_url(
            meta["authorization_endpoint"], state=flow.state, code_verifier=flow.verifier, nonce=flow.nonce
        )
    return url, seal(flow)


async def _exchange(
    provider: Provider, meta: dict[str, Any], redirect_uri: str, code: str, verifier: str
) -> dict:
    try:
        async with _client(provider, redirect_uri) as client:
            return dict(
                await client.fetch_token(
                    meta["token_endpoint"],
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=verifier,
                )
            )
    except OAuthError as exc:
        raise SignInFailed("code_rejected", MSG_CODE, 400, f"{exc.error}: {exc.description}") from None
    except (httpx.HTTPError, ValueError) as exc:
        raise SignInFailed("provider_unreachable", MSG_UNREACHABLE, 502, f"token endpoint: {exc}") from None


def _half_hash(value: str, alg: str) -> str:
    """``at_hash``: the left half of the hash of the access token, base64url (OIDC Core 3.1.3.6)."""
    digest = {"384": hashlib.sha384, "512": hashlib.sha512}.get(alg[-3:], hashlib.sha256)
    if alg == "EdDSA":
        digest = hashlib.sha512
    raw = digest(value.encode("ascii")).digest()
    return _b64(raw[: len(raw) // 2])


def _kid(compact: str) -> str | None:
    try:
        header = json.loads(_unb64(compact.split(".", 1)[0]))
    except (ValueError, UnicodeDecodeError):
        return None
    kid = header.get("kid") if isinstance(header, dict) else None
    return kid if isinstance(kid, str) else None


async def verify_id_token(
    provider: Provider, meta: dict[str, Any], id_token: str, access_token: str | None, nonce: str
) -> dict[str, Any]:
    """Signature (the provider's JWKS), iss, aud (+azp), exp, iat, sub, nonce, at_hash when present."""
    keys = await _keyset(meta["jwks_uri"])
    kid = _kid(id_token)
    if kid is not None and all(key.kid != kid for key in keys.keys):
        keys = await _keyset(meta["jwks_uri"], refresh=True)  # the provider may have rotated its keys
    try:
        token = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
    except (JoseError, ValueError) as exc:
        raise SignInFailed("id_token_invalid", MSG_TOKEN, 400, f"signature: {exc}") from None
    claims = dict(token.claims)
    registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY,
        iss={"essential": True, "value": provider.issuer},
        aud={"essential": True, "value": provider.client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
    )
    try:
        registry.validate(claims)
    except JoseError as exc:
        raise SignInFailed("id_token_invalid", MSG_TOKEN, 400, f"claims: {exc}") from None
    audience = claims["aud"]
    azp = claims.get("azp")
    if (isinstance(audience, list) and len(audience) > 1 and azp is None) or (
        azp is not None and azp != provider.client_id
    ):
        raise SignInFailed("id_token_invalid", MSG_TOKEN, 400, "azp is not this client")
    offered = claims.get("nonce")
    if not isinstance(offered, str) or not hmac.compare_digest(offered.encode(), nonce.encode()):
        raise SignInFailed("nonce_mismatch", MSG_TOKEN, 400, "nonce differs from this browser's")
    if "at_hash" in claims:
        expected = _half_hash(access_token or "", token.header.get("alg", ""))
        if not access_token or not hmac.compare_digest(str(claims["at_hash"]), expected):
            raise SignInFailed("at_hash_mismatch", MSG_TOKEN, 400, "at_hash does not match the access token")
    return claims


async def complete(
    provider: Provider, cookie: str | None, params: dict[str, str], redirect_uri: str
) -> tuple[dict[str, Any], Flow]:
    """Check the callback against the flow cookie, exchange the code, verify the ID token."""
    flow = unseal(cookie)
    state = params.get("state") or ""
    if flow.provider != provider.key or not hmac.compare_digest(state.encode(), flow.state.encode()):
        raise SignInFailed("state_mismatch", MSG_MISMATCH)
    if "iss" in params and params["iss"] != provider.issuer:  # RFC 9207: mix-up defence
        raise SignInFailed("issuer_mismatch", MSG_MISMATCH, 400, f"iss={params['iss'][:100]}")
    if params.get("error"):
        error = params["error"][:60]
        raise SignInFailed(
            "provider_error",
            MSG_PROVIDER_ERROR,
            400,
            (params.get("error_description") or "")[:200],
            error=error,
        )
    code = params.get("code")
    if not code:
        raise SignInFailed("code_missing", MSG_CODE)
    meta = await discover(provider)
    token = await _exchange(provider, meta, redirect_uri, code, flow.verifier)
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise SignInFailed("id_token_missing", MSG_TOKEN)
    return await verify_id_token(provider, meta, id_token, token.get("access_token"), flow.nonce), flow


# -- who signs in ------------------------------------------------------------------------------


def _email(claims: dict[str, Any]) -> tuple[str, bool]:
    email = claims.get("email")
    email = normalise_email(email) if isinstance(email, str) and "@" in email and len(email) <= 254 else ""
    verified = claims.get("email_verified") in (True, "true")
    return email, verified


def matching_rules(provider: Provider, claims: dict[str, Any]) -> list[Rule]:
    raw = claims.get(provider.role_claim) if provider.role_claim else None
    values = (
        {raw}
        if isinstance(raw, str)
        else {v for v in raw if isinstance(v, str)}
        if isinstance(raw, list)
        else set()
    )
    return [rule for rule in provider.rules if rule.claim_value in values]


async def _check_may_sign_in(provider: Provider, user: User | None, email: str) -> User:
    if user is None or not user.is_active:
        raise SignInFailed("account_disabled", MSG_DISABLED, 403, email=email)
    if provider.tenant_id is None:
        return user
    if user.province_role:
        raise SignInFailed("account_elsewhere", MSG_ELSEWHERE, 403, "province account", email=email)
    ctx = current_context()
    await db.set_local({"app.user_id": str(user.id)})  # the user's own memberships become readable
    try:
        elsewhere = [
            m.tenant_slug for m in await load_memberships(user.id) if m.tenant_id != provider.tenant_id
        ]
    finally:
        await db.set_local({"app.user_id": str(ctx.user_id) if ctx and ctx.user_id is not None else ""})
    if elsewhere:
        raise SignInFailed(
            "account_elsewhere", MSG_ELSEWHERE, 403, f"memberships in {','.join(elsewhere)}", email=email
        )
    return user


async def _provision(provider: Provider, claims: dict[str, Any], email: str) -> User:
    rules = matching_rules(provider, claims)
    province_role = next(
        (r.role for r in rules if r.role in PROVINCE_ROLES and provider.tenant_id is None), None
    )
    name = claims.get("name") if isinstance(claims.get("name"), str) else ""
    user = User(email=email, display_name=name.strip()[:100], password_hash=None, province_role=province_role)
    await user.save()
    await UserIdentity(user=user.id, issuer=claims["iss"], subject=claims["sub"]).save()
    granted: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    for rule in rules:
        if rule.role in PROVINCE_ROLES:
            continue
        tenant = (
            await Tenant.select(Tenant.id, Tenant.slug, Tenant.districts)
            .where((Tenant.slug == rule.tenant) & (Tenant.active == True))  # noqa: E712
            .output(load_json=True)
            .first()
        )
        if provider.tenant_id is not None and (tenant is None or tenant["id"] != provider.tenant_id):
            tenant = None  # a city's provider grants in its own city only
        codes = {d["code"] for d in (tenant or {}).get("districts") or []}
        if tenant is None or (rule.district_code and rule.district_code not in codes):
            log.warning("OIDC provider %s: rule %s names no active tenant/district", provider.key, rule)
            skipped.append({"claim_value": rule.claim_value, "tenant": rule.tenant, "role": rule.role})
            continue
        async with switch_tenant(TenantContext(tenant["id"], tenant["slug"])):
            membership = await add_membership(
                user.id,
                {"role": rule.role, "district_code": rule.district_code},
                actor_id=user.id,
                actor=email,
            )
        granted.append(
            {
                "tenant": tenant["slug"],
                "role": rule.role,
                "district_code": rule.district_code,
                "membership": membership.id,
            }
        )
    await audit.record(
        "user.provisioned",
        "user",
        user.id,
        after={
            "email": email,
            "provider": provider.key,
            "issuer": claims["iss"],
            "subject": claims["sub"],
            "province_role": province_role,
            "memberships": granted,
            "skipped_rules": skipped,
        },
        actor_id=user.id,
        actor=email,
    )
    return user


async def resolve_user(provider: Provider, claims: dict[str, Any]) -> tuple[User, bool]:
    """The account for these verified claims, and whether it was just created (see the module doc)."""
    issuer, subject = claims["iss"], claims["sub"]
    email, verified = _email(claims)
    identity = (
        await UserIdentity.objects()
        .where((UserIdentity.issuer == issuer) & (UserIdentity.subject == subject))
        .first()
    )
    if identity is not None:
        user = await User.objects().where(User.id == identity.user).first()
        return await _check_may_sign_in(provider, user, email), False
    if email and verified:
        user = await User.objects().where(User.email == email).first()
        if user is not None:
            user = await _check_may_sign_in(provider, user, email)
            await UserIdentity(user=user.id, issuer=issuer, subject=subject).save()
            await audit.record(
                "identity.linked",
                "user",
                user.id,
                after={
                    "provider": provider.key,
                    "issuer": issuer,
                    "subject": subject,
                    "by": "verified email",
                },
                actor_id=user.id,
                actor=user.email,
            )
            return user, False
    if not provider.auto_provision:
        raise SignInFailed("no_account", MSG_NO_ACCOUNT, 403, email=email)
    if not (email and verified):
        raise SignInFailed("email_not_verified", MSG_UNVERIFIED, 403, email=email)
    return await _provision(provider, claims, email), True


async def sign_in(
    provider: Provider, cookie: str | None, params: dict[str, str], redirect_uri: str
) -> tuple[User, str]:
    """The whole callback: the verified, resolved user and the local path to go on to.
    Raises :class:`SignInFailed`; nothing is written before every check has passed."""
    claims, flow = await complete(provider, cookie, params, redirect_uri)
    user, created = await resolve_user(provider, claims)
    user.last_login_at = datetime.now(UTC)
    await user.save([User.last_login_at])
    await audit.record(
        "login.oidc",
        "user",
        user.id,
        after={
            "provider": provider.key,
            "issuer": claims["iss"],
            "subject": claims["sub"],
            "provisioned": created,
        },
        actor_id=user.id,
        actor=user.email,
    )
    return user, flow.next


async def record_failure(key: str, failure: SignInFailed) -> None:
    await audit.record(
        "login.oidc_failed",
        "oidc_provider",
        key,
        after={"reason": failure.reason, "detail": failure.detail[:300]},
        note=failure.reason,
        actor=failure.email,
    )
