"""Funding program tables. Programs come from ``tenants/<slug>/programs.toml`` (and the bureau-admin
editor); every change of a spec is a new ``ProgramVersion`` so an application is judged by the version
it was submitted under. Rounds carry the budget, dates and allocation rule of one application round."""

from __future__ import annotations

from piccolo.columns import (
    JSONB,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    OnDelete,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from pilotzone.db import DB
from pilotzone.tenancy.tables import TenantTable

ROUND_STATUSES = ("open", "closed", "calculating", "calculated", "approved")
RULES = ("pro_rata", "ranked", "first_come")


class Program(TenantTable, db=DB):
    """One funding program of a tenant; ``version`` is the number of the current ProgramVersion."""

    key = Varchar(length=40)  # unique per tenant
    subject = Varchar(length=30)
    name_zh = Varchar(length=200)
    name_en = Varchar(length=200)
    version = Integer(default=1)
    current_version = Integer(null=True, default=None)  # ProgramVersion id
    source = Varchar(length=10, default="file")  # file: tenants/<slug>/programs.toml; editor: made in the UI
    active = Boolean(default=True)
    updated_at = Timestamptz(default=TimestamptzNow())


class ProgramVersion(TenantTable, db=DB):
    """An immutable spec of a program; (tenant, program, version) is unique."""

    program = ForeignKey(Program, null=False, on_delete=OnDelete.cascade)
    version = Integer(default=1)
    spec = JSONB(default={})
    example_parameters = Boolean(default=False)
    created_by = Integer(null=True, default=None)  # user id; None when synced from tenants/
    created_at = Timestamptz(default=TimestamptzNow())


class Round(TenantTable, db=DB):
    """An application round: budget, dates, allocation rule; (tenant, program, key) is unique."""

    program = ForeignKey(Program, null=False, on_delete=OnDelete.cascade)
    key = Varchar(length=40)
    name_zh = Varchar(length=200)
    name_en = Varchar(length=200)
    budget = Numeric(digits=(16, 2))
    opens_at = Date()
    closes_at = Date()
    status = Varchar(length=20, default="open")
    rule = Varchar(length=20, default="pro_rata")
    partial = Boolean(default=False)
    updated_at = Timestamptz(default=TimestamptzNow())
