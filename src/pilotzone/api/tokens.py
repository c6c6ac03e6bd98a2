"""Access tokens: signed, self-contained (tenant, slug, client, scopes, expiry), HMAC-SHA256 with a key
derived from ``SECRET_KEY``. A token alone proves nothing more: every request also reads its client's
row, so a revoked client is refused at once (the token's expiry only bounds a stolen token's life)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass

import msgspec

from pilotzone.settings import get_settings

PREFIX = "pza1"


class Claims(msgspec.Struct, frozen=True):
    tenant_id: int
    slug: str
    client: int  # api_client.id
    scopes: tuple[str, ...]
    expires: int  # unix seconds


@dataclass(frozen=True, slots=True)
class _Key:
    secret: str
    key: bytes


_key: _Key | None = None


def _signing_key() -> bytes:
    global _key
    secret = get_settings().secret_key
    if _key is None or _key.secret != secret:
        _key = _Key(secret, hashlib.sha256(b"pilotzone api token\0" + secret.encode()).digest())
    return _key.key


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue(claims: Claims) -> str:
    body = _b64(msgspec.json.encode(claims))
    signature = hmac.new(_signing_key(), f"{PREFIX}.{body}".encode(), hashlib.sha256).digest()
    return f"{PREFIX}.{body}.{_b64(signature)}"


def verify(token: str, now: float | None = None) -> Claims | None:
    """The claims of a well-signed, unexpired token; None otherwise."""
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != PREFIX or len(token) > 2000:
        return None
    expected = hmac.new(_signing_key(), f"{PREFIX}.{parts[1]}".encode(), hashlib.sha256).digest()
    try:
        if not hmac.compare_digest(expected, _unb64(parts[2])):
            return None
        claims = msgspec.json.decode(_unb64(parts[1]), type=Claims)
    except (ValueError, msgspec.DecodeError):
        return None
    if claims.expires <= (time.time() if now is None else now):
        return None
    return claims
