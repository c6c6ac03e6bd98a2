"""``POST /oauth/token``: the OAuth2 client-credentials grant, done by Authlib's authorization server.

Authlib is synchronous and framework-neutral; this module gives it a small Litestar adapter. The one
database read it needs (the client named in the HTTP Basic header) is done before Authlib runs, in the
client's tenant transaction (the tenant is the ``client_id``'s prefix), and handed to ``query_client``."""

from __future__ import annotations

import contextvars
import time
from collections import defaultdict
from collections.abc import Collection
from typing import Annotated, Any
from urllib.parse import parse_qsl

import msgspec
from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    ClientMixin,
    InvalidScopeError,
    OAuth2Payload,
    OAuth2Request,
)
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from authlib.oauth2.rfc6749.util import extract_basic_authorization, scope_to_list
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from litestar import Request, Response, post
from litestar.enums import RequestEncodingType
from litestar.openapi.spec import Example
from litestar.params import Body

from pilotzone.api import clients, tokens
from pilotzone.api.codes import Scope
from pilotzone.api.openapi import problems
from pilotzone.api.problems import MEDIA_TYPE, problem_response
from pilotzone.auth.guards import PUBLIC, allow
from pilotzone.settings import get_settings
from pilotzone.tenancy.context import TenantContext, tenant_transaction
from pilotzone.tenancy.middleware import lookup

GRANT = "client_credentials"


class OAuthClient(ClientMixin):
    """An api_client row as Authlib's ClientMixin sees it: confidential, HTTP Basic, client credentials."""

    def __init__(self, row: clients.ClientRow, tenant_id: int, slug: str) -> None:
        self.row, self.tenant_id, self.slug = row, tenant_id, slug

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> str:
        return ""

    def get_allowed_scope(self, scope: Collection[str] | str) -> str:
        granted = [s.value for s in self.row.scopes]
        if not scope:
            return " ".join(granted)
        wanted = scope_to_list(scope) if isinstance(scope, str) else list(scope)
        return " ".join(s for s in wanted or () if s in granted)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return self.row.active and self.row.check_secret(client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "client_secret_basic" and endpoint == "token"

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == GRANT


class _Payload(OAuth2Payload):
    def __init__(self, form: dict[str, str], pairs: list[tuple[str, str]]) -> None:
        self._data = form
        lists: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in pairs:
            lists[key].append(value)
        self._datalist = lists

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class _Request(OAuth2Request):
    def __init__(self, uri: str, headers: dict[str, str], pairs: list[tuple[str, str]]) -> None:
        super().__init__(method="POST", uri=uri, headers=headers)
        self._form = dict(pairs)
        self.payload = _Payload(self._form, pairs)

    @property
    def args(self) -> dict[str, str | None]:
        return {}

    @property
    def form(self) -> dict[str, str]:
        return self._form


_loaded: contextvars.ContextVar[OAuthClient | None] = contextvars.ContextVar("pilotzone_oauth_client", default=None)


class TokenGrant(ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic"]

    def validate_requested_scope(self) -> None:
        """Known scopes (Authlib's check), and only those granted to this client."""
        super().validate_requested_scope()
        payload = self.request.payload
        requested = set(scope_to_list(payload.scope if payload is not None else "") or ())
        if requested - set(scope_to_list(self.client.get_allowed_scope(" ".join(requested))) or ()):
            raise InvalidScopeError("The client was not granted every requested scope.")


class Server(AuthorizationServer):
    """Authlib's authorization server with the Litestar side filled in."""

    def __init__(self) -> None:
        super().__init__(scopes_supported=list(Scope.values()))
        self.register_grant(TokenGrant)
        self.register_token_generator(
            "default",
            BearerTokenGenerator(self._access_token, expires_generator=lambda client, grant: get_settings().api_token_ttl),
        )

    def query_client(self, client_id: str) -> OAuthClient | None:  # type: ignore[override]  # None: no such client (Authlib's contract, narrower in the stubs)
        client = _loaded.get()
        return client if client is not None and client.get_client_id() == client_id else None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        return None  # self-contained tokens: nothing to store (revocation reads the client row)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None

    def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
        return request  # built by the handler (the body is read asynchronously first)

    def handle_response(self, status: int, body: Any, headers: Any) -> tuple[int, Any, dict[str, str]]:
        return status, body, dict(headers)

    @staticmethod
    def _access_token(*, client: ClientMixin, grant_type: str, user: Any, scope: str) -> str:
        """The signed token for the scopes Authlib settled on (the client's allowed subset)."""
        assert isinstance(client, OAuthClient)  # noqa: S101 - the only clients query_client gives
        claims = tokens.Claims(client.tenant_id, client.slug, client.row.id, tuple(scope_to_list(scope) or ()),
                               int(time.time()) + get_settings().api_token_ttl)
        return tokens.issue(claims)


SERVER = Server()


class TokenForm(msgspec.Struct):
    """The token request (``application/x-www-form-urlencoded``); the client authenticates with HTTP
    Basic (``client_id:client_secret``)."""

    grant_type: str
    scope: str | None = None


class TokenAnswer(msgspec.Struct):
    access_token: str
    token_type: str
    expires_in: int
    scope: str


async def _load(client_id: str) -> OAuthClient | None:
    slug = client_id.rsplit(".", 1)[0] if "." in client_id else ""
    info = await lookup(slug) if slug else None
    if info is None:
        return None
    async with tenant_transaction(TenantContext(info.id, info.slug, "tenant")):
        row = await clients.by_client_id(client_id)
    return OAuthClient(row, info.id, info.slug) if row is not None else None


def _refusal(request: Request, status: int, error: str, detail: str) -> Response[TokenAnswer]:
    """An RFC 6749 error (``error``) as an RFC 9457 problem."""
    extra = {"Cache-Control": "no-store"}
    if status == 401:
        extra["WWW-Authenticate"] = 'Basic realm="pilotzone"'
    return problem_response(status, detail, request.url.path, kind=error.replace("_", "-"), error=error,  # type: ignore[return-value]  # a problem, not a TokenAnswer
                            headers=extra)


@post(
    "/oauth/token",
    name="oauth_token",
    opt={**allow(PUBLIC), "api_public": True},
    summary="Issue an access token (OAuth2 client credentials, HTTP Basic client authentication)",
    tags=["oauth"],
    security=[{"basicAuth": []}],
    status_code=200,
    responses=problems(400, 401, 422, 503),
)
async def token(
    request: Request,
    data: Annotated[
        TokenForm,
        Body(
            media_type=RequestEncodingType.URL_ENCODED,
            examples=[Example(value={"grant_type": "client_credentials", "scope": "trade:write"})],
        ),
    ],
) -> Response[TokenAnswer]:
    raw = (await request.body()).decode("utf-8", "replace")
    pairs = parse_qsl(raw, keep_blank_values=True)
    headers = {k.decode("latin-1").title(): v.decode("latin-1") for k, v in request.scope["headers"]}
    try:
        client_id, _secret = extract_basic_authorization(headers)
    except (ValueError, UnicodeDecodeError):  # not base64 / not UTF-8: no client can be named by it
        return _refusal(request, 401, "invalid_client", "The HTTP Basic credentials cannot be read.")
    loaded = await _load(client_id) if client_id else None
    reset = _loaded.set(loaded)
    try:
        oauth_request = _Request(get_settings().public_url + "/oauth/token", headers, pairs)
        status, body, _headers = SERVER.create_token_response(oauth_request)
    finally:
        _loaded.reset(reset)
    if status != 200:
        error = str(body.get("error", "invalid_request")) if isinstance(body, dict) else "invalid_request"
        description = str(body.get("error_description", "")) if isinstance(body, dict) else ""
        return _refusal(request, status, error, description or error)
    headers_out = {"Cache-Control": "no-store", "Pragma": "no-cache"}
    return Response(msgspec.convert(body, TokenAnswer), status_code=200, headers=headers_out)


__all__ = ["MEDIA_TYPE", "SERVER", "token"]
