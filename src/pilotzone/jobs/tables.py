"""Job runs: written before the message is sent (outbox), updated by the actor."""

from __future__ import annotations

from piccolo.columns import JSONB, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from pilotzone.db import DB
from pilotzone.tenancy.tables import TenantTable

UNFINISHED = ("queued", "running")


class JobRun(TenantTable, db=DB):
    kind = Varchar(length=60)
    actor = Varchar(length=100)
    args = JSONB(default={})
    status = Varchar(length=20, default="queued")  # queued → running → done | failed
    total = Integer(default=0)
    done = Integer(default=0)
    error = Text(default="")
    attempts = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    enqueued_at = Timestamptz(null=True, default=None)
    started_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)
