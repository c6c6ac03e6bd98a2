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
import secrets
import time
import warnings
from dataclasses import dataclass
from typing import Any

import authlib.deprecate  # noqa: F401  (installs its warning filter before ours below)
import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from litestar.datastructures import Cookie

from pilotzone.auth.oidc_providers import (  # noqa: F401 - the provider API is used as oidc.<name>
    ALGORITHMS,
    CACHE_SECONDS,
    DEFAULT_SCOPES,
    FLOW_COOKIE,
    FLOW_PATH,
    FLOW_TTL,
    HTTP_TIMEOUT,
    LEEWAY,
    MSG_CODE,
    MSG_DISABLED,
    MSG_ELSEWHERE,
    MSG_FLOW,
    MSG_MISMATCH,
    MSG_NO_ACCOUNT,
    MSG_PROVIDER_ERROR,
    MSG_TOKEN,
    MSG_UNREACHABLE,
    MSG_UNVERIFIED,
    Provider,
    Rule,
    SignInFailed,
    find_provider,
    login_choices,
    register_provider,
    unregister_provider,
)
from pilotzone.settings import get_settings

with warnings.catch_warnings():
    # Authlib 1.9.9 prefers the `httpx2` package and warns when it falls back to httpx (0.28.1 here)
    warnings.filterwarnings("ignore", message="The httpx module is deprecated")
    from authlib.integrations.base_client import OAuthError
    from authlib.integrations.httpx_client import AsyncOAuth2Client

log = logging.getLogger(__name__)


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
