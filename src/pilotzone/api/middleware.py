"""The entry point of every ``/api/`` request (the session, CSRF and page-tenancy middleware skip these
paths: a machine carries no cookie).

1. The bearer token (``Authorization: Bearer …``): a bad or expired one is 401; none is 401 unless the
   route is public (``needs(None)``).
2. A tenant path (``/api/v1/z/<slug>/…``) of another tenant than the token's is 403.
3. The client's rate limit (429 with ``Retry-After``).
4. One transaction in the tenant (the token's, or the path's for a public route), in which the client's
   row is read: a revoked client is 401 at once; a scope the route needs and the client lacks is 403.
5. A POST with ``Idempotency-Key`` is answered once (``pilotzone.api.idempotency``).
The transaction commits before the answer leaves, as for pages."""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from pilotzone import db
from pilotzone.api import idempotency, ratelimit, tokens
from pilotzone.api.codes import Scope as ApiScope
from pilotzone.api.principal import ApiClient, reset_client, set_client
from pilotzone.api.problems import ApiProblem
from pilotzone.tenancy.context import TenantContext, tenant_transaction
from pilotzone.tenancy.middleware import lookup

PREFIX = "/api/"
TENANT_PREFIX = "/api/v1/z/"

# the client row, touched at most once a minute (last_used_at) in the same round trip
_CLIENT = (
    "WITH touched AS (UPDATE api_client SET last_used_at = now() WHERE id = $1 AND revoked_at IS NULL "
    "AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute') RETURNING id) "
    "SELECT client_id, name, scopes FROM api_client WHERE id = $1 AND revoked_at IS NULL"
)


def _unauthorized(detail: str, error: str = "") -> ApiProblem:
    challenge = 'Bearer realm="pilotzone"' + (f', error="{error}"' if error else "")
    return ApiProblem(401, detail, kind=error.replace("_", "-") if error else "", error=error,
                      headers={"WWW-Authenticate": challenge})


def path_slug(path: str) -> str | None:
    if path.startswith(TENANT_PREFIX):
        return path[len(TENANT_PREFIX):].split("/", 1)[0]
    return None


def _authorization(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            return value.decode("latin-1")
    return None


class ApiMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(self) -> None:
        self.should_bypass_for_scope = lambda scope: not scope["path"].startswith(PREFIX)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        handler = scope.get("route_handler")
        opt = handler.opt if handler is not None else {}
        needed = opt.get("api_scope")
        public = bool(opt.get("api_public"))
        slug = path_slug(scope["path"])
        header = _authorization(scope)
        claims = None
        if header is not None:
            kind, _, credential = header.partition(" ")
            if kind.lower() != "bearer" or not credential.strip():
                raise _unauthorized("Send the access token as 'Authorization: Bearer <token>'.", "invalid_request")
            claims = tokens.verify(credential.strip())
            if claims is None:
                raise _unauthorized("The access token is invalid or has expired.", "invalid_token")
        elif not public:
            raise _unauthorized("A bearer token is required (POST /oauth/token).")
        if claims is not None:
            if slug is not None and slug != claims.slug:
                raise ApiProblem(403, "This client belongs to another pilot zone.", kind="other-tenant")
            verdict = await ratelimit.hit(claims.client)
            if not verdict.allowed:
                raise ApiProblem(429, f"More than {verdict.limit} requests in this window.", kind="rate-limited",
                                 headers={"Retry-After": str(verdict.retry_after)})
            ctx = TenantContext(claims.tenant_id, claims.slug, "tenant")
        elif slug is not None:
            info = await lookup(slug)
            if info is None:
                raise ApiProblem(404, f"No pilot zone named '{slug}'.")
            scope.setdefault("state", {})["tenant"] = info
            ctx = TenantContext(info.id, info.slug, "tenant")
        else:
            ctx = TenantContext(None, None, "public")

        async def send_after_commit(message: Message) -> None:
            if message["type"] == "http.response.start":
                await db.commit_now()  # the answer never outruns the data
            await send(message)

        async with tenant_transaction(ctx):
            client = None
            if claims is not None:
                rows = await db.fetch(_CLIENT, claims.client)
                if not rows:
                    raise _unauthorized("The client was revoked.", "invalid_token")
                granted = set(rows[0]["scopes"]) & set(claims.scopes)
                client = ApiClient(claims.client, rows[0]["client_id"], rows[0]["name"], claims.tenant_id,
                                   claims.slug, frozenset(ApiScope(s) for s in granted if s in ApiScope.values()))
                if isinstance(needed, ApiScope) and needed not in client.scopes:
                    raise ApiProblem(
                        403, f"The token lacks the scope '{needed.value}'.", kind="insufficient-scope",
                        error="insufficient_scope",
                        headers={"WWW-Authenticate": f'Bearer realm="pilotzone", error="insufficient_scope", '
                                                     f'scope="{needed.value}"'},
                    )
            token = set_client(client)
            try:
                key = idempotency.key_of(scope) if scope.get("method") == "POST" else None
                if key is not None and client is not None:
                    await idempotency.run_once(scope, receive, send_after_commit, next_app, client, key)
                else:
                    await next_app(scope, receive, send_after_commit)
            finally:
                reset_client(token)
