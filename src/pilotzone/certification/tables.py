"""Certification tables. Schemes come from ``tenants/<slug>/schemes.toml``; applications, reviews,
notices and certificates arrive with the rest of the certification engine."""

from __future__ import annotations

from piccolo.columns import JSONB, Boolean, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from pilotzone.db import DB
from pilotzone.tenancy.tables import TenantTable


class Scheme(TenantTable, db=DB):
    """One certification scheme of a tenant; ``version`` grows whenever its spec changes, so an
    application can be judged by the version it was submitted under."""

    key = Varchar(length=40)  # unique per tenant
    subject = Varchar(length=30)
    name_zh = Varchar(length=200)
    name_en = Varchar(length=200)
    spec = JSONB(default={})
    version = Integer(default=1)
    active = Boolean(default=True)
    updated_at = Timestamptz(default=TimestamptzNow())
