"""Trade figures: the current value of each key per source, the values corrections replaced, and the
batches (an import file, an API request, an accepted return) that wrote them. All tenant tables (RLS);
keys are declared here (``keys``, made by :mod:`pilotzone.tenancy.keys`).

A key is (enterprise, period, mode, direction, country, source): each source keeps its own value, so
declared (``return``) and official figures stand side by side for reconciliation.
"""

from __future__ import annotations

from piccolo.columns import JSONB, BigInt, Date, ForeignKey, Integer, Numeric, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from pilotzone.auth.tables import User
from pilotzone.db import DB
from pilotzone.registry.tables import Enterprise
from pilotzone.tenancy.tables import Index, TenantTable, Unique
from pilotzone.trade.codes import BatchStatus, Direction, Mode, Source
from pilotzone.workflow.tables import Submission

VALUE = (16, 2)  # yuan, fen-exact


class TradeBatch(TenantTable, db=DB, tablename="trade_batch"):
    """One write of figures: who or what sent them, how many rows and what became of them. A refused
    batch keeps its errors (``[{row, column, reason}]``) and wrote no figure."""

    source = Varchar(length=10, choices=Source)
    label = Varchar(length=300, default="")  # the file name, the client's name or the return's number
    created_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    client = Integer(null=True, default=None)  # the API client (pilotzone.api), when one sent it
    submission = ForeignKey(Submission, null=True, default=None, on_delete=OnDelete.restrict)  # an accepted return
    status = Varchar(length=10, choices=BatchStatus, default=BatchStatus.RUNNING.value)
    rows = Integer(default=0)
    inserted = Integer(default=0)
    replaced = Integer(default=0)
    unchanged = Integer(default=0)
    errors = JSONB(default=[])
    created_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)

    keys = (Index("trade_batch_recent", ("tenant_id", "source", "id DESC")),)


class TradeFigure(TenantTable, db=DB, tablename="trade_figure"):
    """The current value of one key from one source; ``batch`` is the write that set it."""

    enterprise = ForeignKey(Enterprise, null=False, on_delete=OnDelete.restrict)
    period = Date()  # the first day of the month
    mode = Varchar(length=4, choices=Mode)
    direction = Varchar(length=6, choices=Direction)
    country = Varchar(length=2)  # ISO 3166-1 alpha-2
    source = Varchar(length=10, choices=Source)
    value_cny = Numeric(digits=VALUE)
    orders = BigInt(default=0)
    parcels = BigInt(default=0)
    batch = ForeignKey(TradeBatch, null=False, on_delete=OnDelete.restrict)
    updated_at = Timestamptz(default=TimestamptzNow())

    keys = (
        Unique("trade_figure_key", ("enterprise", "period", "mode", "direction", "country", "source")),
        Index("trade_figure_period", ("tenant_id", "source", "period")),
    )


class TradeFigureHistory(TenantTable, db=DB, tablename="trade_figure_history"):
    """A value a later write replaced (a correction keeps the old value)."""

    figure = ForeignKey(TradeFigure, null=False, on_delete=OnDelete.cascade)
    value_cny = Numeric(digits=VALUE)
    orders = BigInt(default=0)
    parcels = BigInt(default=0)
    batch = ForeignKey(TradeBatch, null=False, on_delete=OnDelete.restrict)
    replaced_by = ForeignKey(TradeBatch, null=False, on_delete=OnDelete.restrict)
    replaced_at = Timestamptz(default=TimestamptzNow())

    keys = (Index("trade_figure_history_figure", ("tenant_id", "figure", "id")),)
