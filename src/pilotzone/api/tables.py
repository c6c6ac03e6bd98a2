"""Machine clients and the answers kept for idempotent POSTs (tenant tables)."""

from __future__ import annotations

from piccolo.columns import Array, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from pilotzone.auth.tables import User
from pilotzone.db import DB
from pilotzone.tenancy.tables import Index, TenantTable, Unique


class ApiClient(TenantTable, db=DB):
    """An OAuth2 client (client credentials) bound to its tenant. The secret is shown once; only its
    SHA-256 is kept (the secret is 256 random bits, so a fast hash is enough)."""

    name = Varchar(length=100)
    client_id = Varchar(length=80)  # "<tenant slug>.<24 hex>": the token endpoint finds the tenant by it
    secret_hash = Varchar(length=64)
    scopes = Array(base_column=Varchar(length=30))  # values of pilotzone.api.codes.Scope
    created_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)
    revoked_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    last_used_at = Timestamptz(null=True, default=None)

    keys = (Unique("api_client_client_id", ("client_id",)),)


class ApiIdempotency(TenantTable, db=DB):
    """The answer given to a POST with an ``Idempotency-Key``: replayed for the same key and body."""

    client = ForeignKey(ApiClient, null=False, on_delete=OnDelete.cascade)
    key = Varchar(length=200)
    body_hash = Varchar(length=64)
    method_path = Varchar(length=500)
    status = Integer()
    content_type = Varchar(length=100, default="application/json")
    answer = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())

    keys = (
        Unique("api_idempotency_client_key", ("client", "key")),
        Index("api_idempotency_created", ("tenant_id", "created_at")),
    )
