"""Per request, inside the request's transaction: the signed-in user's unread count for the header
(``scope["state"]["notify_unread"]``, full-page GETs in a pilot zone only) and the language the user
last chose (the ``lang`` cookie) remembered for the messages sent to them."""

from __future__ import annotations

from typing import Any

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from pilotzone import db
from pilotzone.tenancy.context import current_context
from pilotzone.web.i18n import COOKIE, LOCALES

_READ = """
SELECT language,
       (SELECT count(*) FROM notify_message m WHERE m.recipient = u.id AND m.read_at IS NULL) AS unread
  FROM pz_user u WHERE u.id = $1
"""


class UnreadMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        auth: Any = scope.get("auth")
        ctx = current_context()
        if auth is not None and ctx is not None and db.DB.current_transaction.get() is not None:
            chosen = scope.get("cookies_parsed", {}).get(COOKIE)  # type: ignore[attr-defined]
            page = scope.get("method") == "GET" and not any(
                name == b"hx-request" for name, _ in scope["headers"]
            )
            if page and (ctx.tenant_id is not None or chosen in LOCALES):
                rows = await db.fetch(_READ, auth.user_id)
                if rows:
                    scope.setdefault("state", {})["notify_unread"] = int(rows[0]["unread"])
                    if chosen in LOCALES and rows[0]["language"] != chosen and not ctx.read_only:
                        await db.fetch("UPDATE pz_user SET language = $2 WHERE id = $1", auth.user_id, chosen)
        await next_app(scope, receive, send)
