"""Machine API of trade figures: ``POST`` (scope ``trade:write``, up to 1,000 rows, all checked before
any is written, the answer per row) and ``GET`` with filters and cursor paging (``trade:read``) of
``/api/v1/z/{slug}/trade-figures``; the warehouses' monthly operations are in ``operations.py``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec
from litestar import get, post
from litestar.params import FromPath, JSONBody, Parameter

from pilotzone import db
from pilotzone.api.codes import Scope
from pilotzone.api.openapi import TOKEN_PROBLEMS, problems, security
from pilotzone.api.principal import CurrentClient, needs, record
from pilotzone.api.problems import ApiProblem, FieldError
from pilotzone.trade import operations, store
from pilotzone.trade.codes import Source, direction_of, mode_of
from pilotzone.trade.countries import country_of
from pilotzone.trade.figures import Figure, check_rows, enterprise_ids, period_of
from pilotzone.web.deadlines import tenant_today

MAX_ROWS = 1000


class FiguresIn(msgspec.Struct, forbid_unknown_fields=True):
    figures: Annotated[list[Figure], msgspec.Meta(min_length=1, max_length=MAX_ROWS)]


class RowResult(msgspec.Struct):
    row: int  # 1-based, in the order sent
    status: Literal["inserted", "replaced", "unchanged"]


class FiguresWritten(msgspec.Struct):
    batch: int
    rows: int
    inserted: int
    replaced: int
    unchanged: int
    results: list[RowResult]


class FigureOut(msgspec.Struct):
    id: int
    uscc: str
    enterprise: str  # its name
    period: str  # YYYY-MM
    mode: str
    direction: str
    country: str
    source: str
    value_cny: str  # yuan, 2 decimals
    orders: int
    parcels: int
    updated_at: datetime


class FiguresPage(msgspec.Struct):
    figures: list[FigureOut]
    next_cursor: str | None


@post("/api/v1/z/{slug:str}/trade-figures", name="api_trade_figures_post", opt=needs(Scope.TRADE_WRITE), security=security(Scope.TRADE_WRITE),
      responses=problems(*TOKEN_PROBLEMS, 413), tags=["trade"], status_code=200,
      summary="Submit trade figures (up to 1,000 rows; all rows are checked before any is written)")
async def post_figures(slug: FromPath[str], data: JSONBody[FiguresIn], api_client: CurrentClient) -> FiguresWritten:
    if len(data.figures) > MAX_ROWS:  # the schema says so too; a decoder that let more through is refused here
        raise ApiProblem(413, f"At most {MAX_ROWS:,} rows per request.")
    enterprises = await enterprise_ids(f.uscc for f in data.figures)
    checked, found = check_rows(data.figures, tenant_today(), enterprises)
    if found:
        raise ApiProblem(422, f"{len(found)} problem(s) in the figures: nothing was written.", kind="invalid-figures",
                         errors=[FieldError(p.row, p.column, p.reason) for p in found])
    batch = await store.start_batch(Source.API, api_client.name, client=api_client.id)
    counts, outcomes = await store.write_each(checked, Source.API, batch)
    await store.finish_batch(batch, counts)
    await record("trade.api_write", "trade_batch", batch,
                 after={"rows": counts.rows, "inserted": counts.inserted, "replaced": counts.replaced,
                        "unchanged": counts.unchanged})
    return FiguresWritten(
        batch=batch, rows=counts.rows, inserted=counts.inserted, replaced=counts.replaced,
        unchanged=counts.unchanged, results=[RowResult(i + 1, o) for i, o in enumerate(outcomes)],
    )


_PAGE = (
    "SELECT f.id, e.uscc, e.name, f.period, f.mode, f.direction, f.country, f.source, f.value_cny, f.orders, "
    "f.parcels, f.updated_at FROM trade_figure f "
    "JOIN enterprise e ON e.tenant_id = f.tenant_id AND e.id = f.enterprise "
    "WHERE f.id > $1 AND ($2::date IS NULL OR f.period = $2) AND ($3::text IS NULL OR f.mode = $3) "
    "AND ($4::text IS NULL OR f.direction = $4) AND ($5::text IS NULL OR e.uscc = $5) "
    "AND ($6::text IS NULL OR f.country = $6) AND ($7::text IS NULL OR f.source = $7) "
    "ORDER BY f.id LIMIT $8"
)


def _filters(period: str | None, mode: str | None, direction: str | None, country: str | None,
             source: str | None, cursor: str | None) -> tuple[int, date | None, str | None, str | None,
                                                               str | None, str | None]:
    errors: list[FieldError] = []
    after = 0
    if cursor:
        if not cursor.isdigit() or len(cursor) > 18:
            errors.append(FieldError(0, "cursor", "Not a cursor this API gave."))
        else:
            after = int(cursor)
    month = period_of(period) if period else None
    if period and month is None:
        errors.append(FieldError(0, "period", "Enter the month as YYYY-MM."))
    found_mode = mode_of(mode) if mode else None
    if mode and found_mode is None:
        errors.append(FieldError(0, "mode", "Unknown customs mode."))
    found_direction = direction_of(direction) if direction else None
    if direction and found_direction is None:
        errors.append(FieldError(0, "direction", "Enter export or import."))
    found_country = country_of(country) if country else None
    if country and found_country is None:
        errors.append(FieldError(0, "country", "Unknown country or region."))
    if source and source not in Source.values():
        errors.append(FieldError(0, "source", f"One of {', '.join(Source.values())}."))
    if errors:
        raise ApiProblem(422, "A filter is not valid.", kind="invalid-filter", errors=errors)
    return (after, month, found_mode.value if found_mode else None,
            found_direction.value if found_direction else None, found_country, source or None)


@get("/api/v1/z/{slug:str}/trade-figures", name="api_trade_figures_get", opt=needs(Scope.TRADE_READ), security=security(Scope.TRADE_READ),
     responses=problems(*TOKEN_PROBLEMS), tags=["trade"],
     summary="Current trade figures of the pilot zone, filtered, in pages (next_cursor)")
async def get_figures(
    slug: FromPath[str],
    period: Annotated[str | None, Parameter(description="YYYY-MM")] = None,
    mode: Annotated[str | None, Parameter(description="9610, 9710, 9810, 1210 or 1239")] = None,
    direction: Annotated[str | None, Parameter(description="export or import")] = None,
    uscc: Annotated[str | None, Parameter(max_length=18)] = None,
    country: Annotated[str | None, Parameter(description="ISO 3166-1 alpha-2")] = None,
    source: Annotated[str | None, Parameter(description="return, official or api")] = None,
    cursor: Annotated[str | None, Parameter(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Parameter(ge=1, le=MAX_ROWS)] = 100,
) -> FiguresPage:
    after, month, mode_code, direction_code, country_code, source_code = _filters(
        period, mode, direction, country, source, cursor
    )
    rows = await db.fetch(_PAGE, after, month, mode_code, direction_code, uscc.strip().upper() if uscc else None,
                          country_code, source_code, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    figures = [
        FigureOut(id=r["id"], uscc=r["uscc"], enterprise=r["name"], period=r["period"].strftime("%Y-%m"),
                  mode=r["mode"], direction=r["direction"], country=r["country"], source=r["source"],
                  value_cny=f"{r['value_cny']:.2f}", orders=r["orders"], parcels=r["parcels"],
                  updated_at=r["updated_at"])
        for r in rows
    ]
    return FiguresPage(figures=figures, next_cursor=str(rows[-1]["id"]) if more and rows else None)


API = [post_figures, get_figures, *operations.API]
