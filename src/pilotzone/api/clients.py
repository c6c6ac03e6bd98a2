"""Machine clients: create (the secret is returned once), list, revoke, find. Runs in the caller's
tenant transaction; every change is audited."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pilotzone import db
from pilotzone.api.codes import Scope
from pilotzone.auth import audit
from pilotzone.tenancy.context import current_context


@dataclass(frozen=True, slots=True)
class ClientRow:
    id: int
    name: str
    client_id: str
    scopes: tuple[Scope, ...]
    created_at: datetime
    created_by: str  # the creator's display name or e-mail ("" for the CLI)
    revoked_at: datetime | None
    last_used_at: datetime | None
    secret_hash: str = ""

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def check_secret(self, secret: str) -> bool:
        return bool(self.secret_hash) and hmac.compare_digest(self.secret_hash, hash_secret(secret))


@dataclass(frozen=True, slots=True)
class Created:
    client: ClientRow
    secret: str  # shown once


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _scopes(values: Sequence[str]) -> tuple[Scope, ...]:
    return tuple(Scope(v) for v in values if v in Scope.values())


_COLUMNS = (
    "c.id, c.name, c.client_id, c.scopes, c.created_at, coalesce(nullif(u.display_name, ''), u.email, '') "
    "AS created_by, c.revoked_at, c.last_used_at, c.secret_hash"
)


def _row(record: object) -> ClientRow:
    r = dict(record)  # type: ignore[call-overload]  # an asyncpg Record
    return ClientRow(
        id=r["id"], name=r["name"], client_id=r["client_id"], scopes=_scopes(r["scopes"]),
        created_at=r["created_at"], created_by=r["created_by"], revoked_at=r["revoked_at"],
        last_used_at=r["last_used_at"], secret_hash=r["secret_hash"],
    )


async def create(name: str, scopes: Sequence[Scope], created_by: int | None, actor: str | None = None) -> Created:
    ctx = current_context()
    if ctx is None or ctx.slug is None or ctx.tenant_id is None:
        raise RuntimeError("a client is created in its tenant's transaction")
    client_id = f"{ctx.slug}.{secrets.token_hex(12)}"
    secret = secrets.token_urlsafe(32)
    ordered = [s.value for s in Scope if s in set(scopes)]
    rows = await db.fetch(
        "INSERT INTO api_client (tenant_id, name, client_id, secret_hash, scopes, created_by) "
        "VALUES ($1, $2, $3, $4, $5::varchar[], $6) RETURNING id",
        ctx.tenant_id, name.strip(), client_id, hash_secret(secret), ordered, created_by,
    )
    client = await get(rows[0]["id"])
    assert client is not None
    await audit.record(
        "api_client.create", "api_client", client.id, after={"name": client.name, "client_id": client_id,
                                                             "scopes": ordered},
        actor=actor,
    )
    return Created(client, secret)


async def get(pk: int) -> ClientRow | None:
    rows = await db.fetch(
        f"SELECT {_COLUMNS} FROM api_client c LEFT JOIN pz_user u ON u.id = c.created_by WHERE c.id = $1",  # noqa: S608 - constant text
        pk,
    )
    return _row(rows[0]) if rows else None


async def by_client_id(client_id: str) -> ClientRow | None:
    rows = await db.fetch(
        f"SELECT {_COLUMNS} FROM api_client c LEFT JOIN pz_user u ON u.id = c.created_by "  # noqa: S608 - constant text
        "WHERE c.client_id = $1",
        client_id,
    )
    return _row(rows[0]) if rows else None


async def listing() -> list[ClientRow]:
    rows = await db.fetch(
        f"SELECT {_COLUMNS} FROM api_client c LEFT JOIN pz_user u ON u.id = c.created_by "  # noqa: S608 - constant text
        "ORDER BY c.revoked_at IS NOT NULL, c.created_at DESC, c.id DESC"
    )
    return [_row(r) for r in rows]


async def revoke(pk: int, revoked_by: int | None, actor: str | None = None) -> ClientRow | None:
    """Revoke at once (its tokens are refused from the next request); None if unknown or revoked."""
    rows = await db.fetch(
        "UPDATE api_client SET revoked_at = now(), revoked_by = $2 WHERE id = $1 AND revoked_at IS NULL "
        "RETURNING id",
        pk, revoked_by,
    )
    if not rows:
        return None
    client = await get(pk)
    assert client is not None
    await audit.record("api_client.revoke", "api_client", pk, before={"client_id": client.client_id}, actor=actor)
    return client
