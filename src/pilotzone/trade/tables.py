"""Trade figures: the current value of each key per source, the values corrections replaced, and the
batches (an import file, an API request, an accepted return) that wrote them. All tenant tables (RLS);
keys are declared here (``keys``, made by :mod:`pilotzone.tenancy.keys`).

A key is (enterprise, period, mode, direction, country, source): each source keeps its own value, so
declared (``return``) and official figures stand side by side for reconciliation.
"""

from __future__ import annotations

from decimal import Decimal

from piccolo.columns import (
    JSONB,
    BigInt,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from pilotzone.auth.tables import User
from pilotzone.db import DB
from pilotzone.registry.tables import Enterprise, OverseasWarehouse
from pilotzone.tenancy.tables import Index, Ref, TenantTable, Unique
from pilotzone.trade.codes import BatchStatus, Direction, GapStatus, Mode, Source
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

    keys = (
        Index("trade_batch_recent", ("tenant_id", "source", "id DESC")),
        Ref("client", "api_client"),  # clients are revoked, never deleted
    )


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


# -- monthly statistical returns (企业统计月报, pilotzone.trade.returns): the kind trade_return's own part


class TradeReturn(TenantTable, db=DB, tablename="trade_return"):
    """A monthly statistical return: its part of a submission of kind ``trade_return`` (``id`` is the
    submission's): the enterprise and month it reports, the people employed, the overseas-warehouse
    area and utilisation (asked only while the enterprise runs an active overseas warehouse), the day it
    is due (the tenant's ``return_day`` of the next month), whether it was submitted after that day and
    whether the enterprise confirmed figures that jump over 10× its recent average."""

    id = Integer(primary_key=True)  # the submission's id (Ref below)
    enterprise = ForeignKey(Enterprise, null=False, on_delete=OnDelete.restrict)
    period = Date()  # the first day of the month reported
    employees = Integer(null=True, default=None)
    warehouse_area = Numeric(digits=(12, 2), null=True, default=None)  # m² used in overseas warehouses
    warehouse_utilisation = Numeric(digits=(5, 2), null=True, default=None)  # percent
    due_on = Date()
    late = Boolean(default=False)
    confirmed_jumps = Boolean(default=False)

    keys = (
        Ref("id", "submission", "CASCADE"),
        Unique("trade_return_month", ("enterprise", "period")),
        Index("trade_return_period", ("tenant_id", "period", "enterprise")),
    )


class TradeReturnLine(TenantTable, db=DB, tablename="trade_return_line"):
    """One line of a return: the month's figures of one mode, direction and country."""

    trade_return = ForeignKey(TradeReturn, null=False, on_delete=OnDelete.cascade)
    mode = Varchar(length=4, choices=Mode)
    direction = Varchar(length=6, choices=Direction)
    country = Varchar(length=2)
    value_cny = Numeric(digits=VALUE)
    orders = BigInt(default=0)
    parcels = BigInt(default=0)

    keys = (Unique("trade_return_line_key", ("trade_return", "mode", "direction", "country")),)


# -- reconciliation (helper "reconcile": trade/reconcile*.py) -------------------------------------


class TradeGap(TenantTable, db=DB, tablename="trade_gap"):
    """Declared (accepted returns) against official figures of one enterprise, month and mode (summed
    over direction and country) where the gap is, or was, over the tenant's tolerance."""

    enterprise = ForeignKey(Enterprise, null=False, on_delete=OnDelete.cascade)
    period = Date()  # the first day of the month
    mode = Varchar(length=4)  # trade.codes.Mode
    declared = Numeric(digits=(16, 2), null=True, default=None)  # None: no declared figure of the mode
    official = Numeric(digits=(16, 2), null=True, default=None)  # None: no official figure of the mode
    gap = Numeric(digits=(16, 2), default=Decimal(0))  # declared − official (a missing side counts 0)
    gap_percent = Numeric(digits=(12, 2), null=True, default=None)  # |gap| / official × 100; None: official 0
    status = Varchar(length=10, default=GapStatus.OPEN.value, choices=GapStatus)
    note = Text(default="")  # the bureau's explanation
    noted_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    noted_at = Timestamptz(null=True, default=None)
    found_at = Timestamptz(default=TimestamptzNow())
    checked_at = Timestamptz(default=TimestamptzNow())

    keys = (
        Unique("trade_gap_key", ("enterprise", "period", "mode")),
        Index("trade_gap_tenant_status_period", ("tenant_id", "status", "period")),
    )


class TradeSetting(TenantTable, db=DB, tablename="trade_setting"):
    """The tenant's trade settings from its TOML ``[trade]`` section (``provisioning``), one row per tenant."""

    return_day = Integer(default=10)  # a monthly return of month M is due by this day of M+1 (1–28)
    tolerance_percent = Numeric(digits=(5, 2), default=Decimal(10))  # a reconciliation gap above this is flagged

    keys = (Unique("trade_setting_tenant", ()),)
class WarehouseOperation(TenantTable, db=DB, tablename="warehouse_operation"):
    """An overseas warehouse's monthly operating figures as its WMS reports them (machine API, scope
    ``warehouse:write``). One row per warehouse and month: a re-post replaces it (audited)."""

    warehouse = ForeignKey(OverseasWarehouse, null=False, on_delete=OnDelete.restrict)
    period = Date()  # the first day of the month
    orders_fulfilled = BigInt(default=0)
    returns_handled = BigInt(default=0)
    area_used = Numeric(digits=(12, 2))  # m², at most the warehouse's floor area
    client = Integer(null=True, default=None)  # the API client that reported it
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())

    keys = (Unique("warehouse_operation_period", ("warehouse", "period")), Ref("client", "api_client"))
