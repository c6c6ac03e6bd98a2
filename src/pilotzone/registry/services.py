"""Registry queries. RLS scopes every query to the request's tenant."""

from __future__ import annotations

from piccolo.columns import Column

from pilotzone.registry.tables import Park
from pilotzone.web.render import Page, page_of

PARK_PAGE_SIZE = 20
PARK_COLUMNS: tuple[Column, ...] = (
    Park.id,
    Park.key,
    Park.name_zh,
    Park.name_en,
    Park.kind,
    Park.district_code,
    Park.status,
)


async def list_parks(page: int | None, q: str = "", size: int = PARK_PAGE_SIZE) -> tuple[Page, list[dict]]:
    where = Park.status != "retired"
    if q:
        where = where & (Park.name_zh.ilike(f"%{q}%") | Park.name_en.ilike(f"%{q}%"))
    total = await Park.count().where(where)
    current = page_of(page, size, total)
    rows = (
        await Park.select(*PARK_COLUMNS)
        .where(where)
        .order_by(Park.id)
        .limit(current.size)
        .offset(current.offset)
    )
    return current, rows


async def get_park(park_id: int) -> Park | None:
    return await Park.objects().where(Park.id == park_id).first()
