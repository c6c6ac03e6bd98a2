"""The parks and enterprises a membership can be narrowed to, for auth's member administration
(``pilotzone.auth.scopes.Directory``; the composition root registers this module)."""

from __future__ import annotations

from typing import Any

from pilotzone.registry.tables import Enterprise, Park


async def active_parks() -> list[dict[str, Any]]:
    return (
        await Park.select(Park.id, Park.name_zh, Park.name_en).where(Park.status == "active").order_by(Park.id)
    )


async def enterprises() -> list[dict[str, Any]]:
    return await Enterprise.select(Enterprise.id, Enterprise.name).order_by(Enterprise.id)


async def park_exists(park_id: int) -> bool:
    return await Park.exists().where(Park.id == park_id)


async def enterprise_exists(enterprise_id: int) -> bool:
    return await Enterprise.exists().where(Enterprise.id == enterprise_id)
