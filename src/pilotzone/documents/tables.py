"""The Document table: one stored object in S3, linked to an owner row of the same tenant."""

from __future__ import annotations

from piccolo.columns import BigInt, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from pilotzone.db import DB
from pilotzone.tenancy.tables import TenantTable


class Document(TenantTable, db=DB):
    owner_kind = Varchar(length=40)
    owner_id = Integer()
    filename = Varchar(length=255)
    content_type = Varchar(length=120)
    size = BigInt()
    sha256 = Varchar(length=64)
    storage_key = Varchar(length=400)
    uploaded_at = Timestamptz(default=TimestamptzNow())
