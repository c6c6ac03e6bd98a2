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
