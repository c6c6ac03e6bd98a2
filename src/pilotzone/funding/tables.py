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

from pilotzone.auth.tables import User
from pilotzone.db import DB
from pilotzone.tenancy.tables import Ref, TenantTable, Unique

ROUND_STATUSES = ("scheduled", "open", "closed", "calculating", "calculated", "approved")
RULES = ("pro_rata", "ranked", "first_come")


class Program(TenantTable, db=DB):
    """One funding program of a tenant; ``version`` is the number of the current ProgramVersion."""

    key = Varchar(length=40)  # unique per tenant
    subject = Varchar(length=30)
    name_zh = Varchar(length=200)
    name_en = Varchar(length=200)
    version = Integer(default=1)
    # the current ProgramVersion (a Ref, not a ForeignKey: the two tables point at each other)
    current_version = Integer(null=True, default=None)
    source = Varchar(length=10, default="file")  # file: tenants/<slug>/programs.toml; editor: made in the UI
    active = Boolean(default=True)
    updated_at = Timestamptz(default=TimestamptzNow())

    keys = (Unique("program_tenant_key", ("key",)), Ref("current_version", "program_version"))


class ProgramVersion(TenantTable, db=DB):
    """An immutable spec of a program; (tenant, program, version) is unique."""

    program = ForeignKey(Program, null=False, on_delete=OnDelete.cascade)
    version = Integer(default=1)
    spec = JSONB(default={})
    example_parameters = Boolean(default=False)
    # None when synced from tenants/
    created_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())

    keys = (Unique("program_version_tenant_program_version", ("program", "version")),)


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

    keys = (Unique("round_tenant_program_key", ("program", "key")),)
