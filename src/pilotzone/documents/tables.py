"""The Document table: one stored object in S3, linked to an owner row of the same tenant."""

from __future__ import annotations

from piccolo.columns import BigInt, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from pilotzone.db import DB
from pilotzone.tenancy.tables import Index, TenantTable, Unique


class Document(TenantTable, db=DB):
    owner_kind = Varchar(length=40)
    owner_id = Integer()  # a row of the table ``owner_kind`` names: no foreign key (it names several)
    filename = Varchar(length=255)
    content_type = Varchar(length=120)
    size = BigInt()
    sha256 = Varchar(length=64)
    storage_key = Varchar(length=400)
    uploaded_at = Timestamptz(default=TimestamptzNow())

    keys = (
        Unique("document_tenant_key", ("storage_key",)),
        Index("document_tenant_owner", ("tenant_id", "owner_kind", "owner_id")),
    )
