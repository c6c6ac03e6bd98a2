"""``Idempotency-Key`` on POST: the first answer (status and body) is kept per client and key for
``API_IDEMPOTENCY_HOURS``; the same key with the same body gets that answer again and nothing runs a
second time; the same key with another body is refused (422). The answer is stored in the request's
own transaction, so it exists exactly when what the request wrote exists. Concurrent requests with one
key wait for each other (a transaction-scoped advisory lock)."""

from __future__ import annotations

import hashlib
import random

from litestar.types import (
    ASGIApp,
    Message,
    Receive,
    Scope,
    Send,
)

from pilotzone import db
from pilotzone.api.principal import ApiClient
from pilotzone.api.problems import ApiProblem
from pilotzone.auth.middleware import replay
from pilotzone.settings import get_settings

HEADER = b"idempotency-key"
MAX_KEY = 200
MAX_BODY = 10 * 1024 * 1024


def key_of(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == HEADER:
            return value.decode("latin-1").strip()
    return None


async def _read(receive: Receive) -> bytes:
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        body += message.get("body", b"")
        if len(body) > MAX_BODY:
            raise ApiProblem(413, "The request body is too large.")
        if not message.get("more_body", False):
            break
    return bytes(body)


async def _answer(send: Send, status: int, content_type: str, body: bytes) -> None:
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode()),
                    (b"idempotent-replayed", b"true")],
    })
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def run_once(scope: Scope, receive: Receive, send: Send, next_app: ASGIApp, client: ApiClient,
                   key: str) -> None:
    """Answer a POST carrying ``key``: the stored answer, a refusal, or the handler's (then stored)."""
    if not key or len(key) > MAX_KEY:
        raise ApiProblem(400, f"The Idempotency-Key header must hold 1 to {MAX_KEY} characters.",
                         kind="idempotency-key-invalid")
    body = await _read(receive)
    method = str(scope.get("method", ""))
    digest = hashlib.sha256(method.encode() + b" " + scope["path"].encode() + b"\0" + body).hexdigest()
    hours = get_settings().api_idempotency_hours
    await db.fetch("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))", f"api-idem:{client.id}:{key}")
    rows = await db.fetch(
        "SELECT body_hash, status, content_type, answer, created_at > now() - make_interval(hours => $3) AS fresh "
        "FROM api_idempotency WHERE client = $1 AND key = $2",
        client.id, key, hours,
    )
    if rows and rows[0]["fresh"]:
        if rows[0]["body_hash"] != digest:
            raise ApiProblem(422, "This Idempotency-Key was used with another request body.",
                             kind="idempotency-key-reused")
        await _answer(send, rows[0]["status"], rows[0]["content_type"], rows[0]["answer"].encode())
        return
    if rows or random.random() < 0.01:  # noqa: S311 - housekeeping, not security
        await db.fetch(
            "DELETE FROM api_idempotency WHERE client = $1 AND created_at <= now() - make_interval(hours => $2)",
            client.id, hours,
        )
    # the stored answer is the plain body: no compressed variant for one client to replay to another
    scope["headers"] = [(k, v) for k, v in scope.get("headers", []) if k != b"accept-encoding"]
    messages: list[Message] = []

    async def capture(message: Message) -> None:
        messages.append(message)

    await next_app(scope, replay(body), capture)
    start = next((m for m in messages if m["type"] == "http.response.start"), None)
    status = int(start["status"]) if start is not None else 500
    if status < 500:
        headers = dict(start.get("headers", [])) if start is not None else {}
        content_type = headers.get(b"content-type", b"application/json").decode("latin-1")
        answer = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
        await db.fetch(
            "INSERT INTO api_idempotency (tenant_id, client, key, body_hash, method_path, status, content_type, "
            "answer) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            client.tenant_id, client.id, key, digest, f"{method} {scope['path']}"[:500], status,
            content_type[:100], answer.decode("utf-8", "replace"),
        )
    for message in messages:
        await send(message)
