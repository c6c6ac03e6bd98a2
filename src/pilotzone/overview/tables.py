"""Overview rollups: per-tenant, per-month aggregates (refreshed by the rollup job), the time of the
last refresh per tenant, and the monthly reports stored in S3 through the documents storage."""

from __future__ import annotations

from piccolo.columns import Date, ForeignKey, Integer, Numeric, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from pilotzone.db import DB
from pilotzone.documents.tables import Document
from pilotzone.jobs.tables import JobRun
from pilotzone.tenancy.tables import Index, TenantTable, Unique


class OverviewMonth(TenantTable, db=DB):
    """One figure of one tenant in one month: UNIQUE (tenant_id, month, metric, dim).
    ``month`` is the first day of the month (Asia/Shanghai) of the fact's date; ``dim`` splits a metric
    (application state, country, program family, days to decision) and is '' otherwise."""

    month = Date()
    metric = Varchar(length=40)
    dim = Varchar(length=80, default="")
    value = Numeric(digits=(18, 2))
    refreshed_at = Timestamptz(default=TimestamptzNow())

    keys = (
        Unique("overview_month_key", ("month", "metric", "dim")),
        Index("overview_month_metric", ("metric", "month")),  # the province's figures across tenants
    )


class OverviewRefresh(TenantTable, db=DB):
    """When the tenant's rollups were last refreshed (one row per tenant) and by which job run."""

    run_id = ForeignKey(JobRun, null=True, default=None, on_delete=OnDelete.restrict)
    refreshed_at = Timestamptz(default=TimestamptzNow())
    rows = Integer(default=0)

    keys = (Unique("overview_refresh_tenant", ()),)


class OverviewReport(TenantTable, db=DB):
    """A monthly report file of the tenant: UNIQUE (tenant_id, month, kind); kind xlsx | html."""

    month = Date()
    kind = Varchar(length=10)
    document = ForeignKey(Document, null=False, on_delete=OnDelete.restrict)  # the object in S3
    made_at = Timestamptz(default=TimestamptzNow())

    keys = (Unique("overview_report_key", ("month", "kind")),)
