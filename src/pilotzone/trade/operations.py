"""An overseas warehouse's monthly operations as its WMS reports them:
``POST /api/v1/z/{slug}/warehouses/{id}/operations`` (scope ``warehouse:write``). One row per warehouse
and month (``warehouse_operation``); a re-post replaces it, and every write is audited."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

import msgspec
from litestar import post
from litestar.params import FromPath, JSONBody

from pilotzone import db
from pilotzone.api.codes import Scope
from pilotzone.api.openapi import TOKEN_PROBLEMS, problems, security
from pilotzone.api.principal import CurrentClient, needs, record
from pilotzone.api.problems import ApiProblem, FieldError
from pilotzone.trade.figures import MAX_COUNT, period_of
from pilotzone.web.deadlines import tenant_today

MAX_AREA = Decimal("9999999999.99")  # Numeric(12, 2)


class OperationIn(msgspec.Struct, forbid_unknown_fields=True):
    period: str  # YYYY-MM
    orders_fulfilled: int
    returns_handled: int
    area_used: Decimal  # m², at most the warehouse's floor area


class OperationOut(msgspec.Struct):
    warehouse: int
    period: str
    orders_fulfilled: int
    returns_handled: int
    area_used: str
    status: Literal["inserted", "replaced", "unchanged"]


_UPSERT = (
    "INSERT INTO warehouse_operation (tenant_id, warehouse, period, orders_fulfilled, returns_handled, area_used, "
    "client, created_at, updated_at) VALUES (NULLIF(current_setting('app.tenant_id', true), '')::int, $1, $2, $3, "
    "$4, $5, $6, now(), now()) ON CONFLICT (tenant_id, warehouse, period) DO UPDATE SET "
    "orders_fulfilled = EXCLUDED.orders_fulfilled, returns_handled = EXCLUDED.returns_handled, "
    "area_used = EXCLUDED.area_used, client = EXCLUDED.client, updated_at = now()"
)


def _check(data: JSONBody[OperationIn], floor_area: Decimal) -> list[FieldError]:
    errors: list[FieldError] = []
    month = period_of(data.period)
    if month is None:
        errors.append(FieldError(1, "period", "Enter the month as YYYY-MM with a month from 01 to 12."))
    elif month > tenant_today().replace(day=1):
        errors.append(FieldError(1, "period", "The month is in the future."))
    for column, count in (("orders_fulfilled", data.orders_fulfilled), ("returns_handled", data.returns_handled)):
        if not 0 <= count <= MAX_COUNT:
            errors.append(FieldError(1, column, "A number from 0."))
    area = data.area_used
    if not area.is_finite() or area < 0:
        errors.append(FieldError(1, "area_used", "The area used cannot be negative."))
    elif area != area.quantize(Decimal("0.01")):
        errors.append(FieldError(1, "area_used", "At most two decimals."))
    elif area > floor_area:
        errors.append(FieldError(1, "area_used", f"More than the warehouse's floor area ({floor_area} m²)."))
    return errors


@post("/api/v1/z/{slug:str}/warehouses/{warehouse_id:int}/operations", name="api_warehouse_operations",
      opt=needs(Scope.WAREHOUSE_WRITE), security=security(Scope.WAREHOUSE_WRITE), responses=problems(*TOKEN_PROBLEMS),
      tags=["trade"], status_code=200, summary="Report a warehouse's monthly operations (a re-post replaces them)")
async def post_operations(slug: FromPath[str], warehouse_id: FromPath[int], data: JSONBody[OperationIn],
                          api_client: CurrentClient) -> OperationOut:
    found = await db.fetch("SELECT floor_area FROM overseas_warehouse WHERE id = $1", warehouse_id)
    if not found:
        raise ApiProblem(404, f"No overseas warehouse {warehouse_id} in this pilot zone.")
    errors = _check(data, found[0]["floor_area"])
    if errors:
        raise ApiProblem(422, "The operations are not valid: nothing was written.", kind="invalid-operations",
                         errors=errors)
    month = period_of(data.period)
    area = data.area_used.quantize(Decimal("0.01"))
    before = await db.fetch(
        "SELECT orders_fulfilled, returns_handled, area_used FROM warehouse_operation "
        "WHERE warehouse = $1 AND period = $2 FOR UPDATE",
        warehouse_id, month,
    )
    values = {"orders_fulfilled": data.orders_fulfilled, "returns_handled": data.returns_handled, "area_used": area}
    old = dict(before[0]) if before else None
    status: Literal["inserted", "replaced", "unchanged"] = (
        "inserted" if old is None else "unchanged" if old == values else "replaced"
    )
    if status != "unchanged":
        await db.fetch(_UPSERT, warehouse_id, month, data.orders_fulfilled, data.returns_handled, area, api_client.id)
        await record("warehouse_operation.api_write", "overseas_warehouse", warehouse_id,
                     before={"period": data.period, **old} if old else None, after={"period": data.period, **values})
    return OperationOut(warehouse=warehouse_id, period=data.period, orders_fulfilled=data.orders_fulfilled,
                        returns_handled=data.returns_handled, area_used=f"{area:.2f}", status=status)


API = [post_operations]
