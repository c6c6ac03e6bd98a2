"""Registry rows: parks, enterprises, overseas warehouses, talents, negative-list entries.

Piccolo inserts as the application role in the tenant's transaction (RLS checks the tenant). The
registry's services (``create_enterprise``, ``create_warehouse``, ``create_talent``, ``add_entry``)
validate a form as a principal sends it and choose the status by the caller's role; the tests need
states and dates those forms cannot give (pending, created months ago, ended, not yet valid), so the
factories write the row as those services would have left it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.factories.base import acting_in, new_resident_id, new_uscc, unique

from pilotzone.registry.tables import Enterprise, NegativeListEntry, OverseasWarehouse, Park, Talent
from pilotzone.web.deadlines import tenant_today


async def park(slug: str, **values: Any) -> Park:
    """An active park the bureau added (``source='bureau'``), in no district unless given."""
    name = values.pop("name_zh", None) or unique("测试园区")
    async with acting_in(slug):
        row = Park(
            key=values.pop("key", None) or unique("test-park"),
            name_zh=name,
            kind=values.pop("kind", "industrial_park"),
            source=values.pop("source", "bureau"),
            **values,
        )
        await row.save()
    return row


async def enterprise(slug: str, **values: Any) -> Enterprise:
    """An active enterprise the bureau registered, with a fresh valid credit code (``uscc``)."""
    async with acting_in(slug):
        row = Enterprise(
            name=values.pop("name", None) or unique("测试企业"),
            uscc=values.pop("uscc", None) or new_uscc(),
            **values,
        )
        await row.save()
    return row


async def enterprises(slug: str, rows: list[dict[str, Any]]) -> list[int]:
    """Many enterprises in one statement (each dict: columns as for :func:`enterprise`); their ids."""
    async with acting_in(slug):
        made = [
            Enterprise(
                name=r.get("name") or unique("测试企业"),
                uscc=r.get("uscc") or new_uscc(),
                **{k: v for k, v in r.items() if k not in ("name", "uscc")},
            )
            for r in rows
        ]
        result = await Enterprise.insert(*made).returning(Enterprise.id)
    return [r["id"] for r in result]


async def warehouse(slug: str, enterprise: int, **values: Any) -> OverseasWarehouse:
    """An active overseas warehouse of ``enterprise`` (US, Los Angeles, 800 m², storage)."""
    async with acting_in(slug):
        row = OverseasWarehouse(
            enterprise=enterprise,
            country=values.pop("country", "US"),
            city=values.pop("city", "Los Angeles"),
            address=values.pop("address", None) or unique("测试仓"),
            floor_area=values.pop("floor_area", Decimal("800")),
            services=values.pop("services", ["storage"]),
            status=values.pop("status", "active"),
            **values,
        )
        await row.save()
    return row


async def talent(slug: str, employer: int, **values: Any) -> Talent:
    """An active high-skill talent employed by ``employer``, with a fresh valid resident ID."""
    async with acting_in(slug):
        row = Talent(
            name=values.pop("name", None) or unique("测试人才"),
            id_number=values.pop("id_number", None) or new_resident_id(),
            employer=employer,
            category=values.pop("category", "high_skill"),
            status=values.pop("status", "active"),
            **values,
        )
        await row.save()
    return row


async def negative_entry(slug: str, enterprise: int, **values: Any) -> NegativeListEntry:
    """``enterprise`` on the credit negative list from today, open-ended."""
    async with acting_in(slug):
        row = NegativeListEntry(
            enterprise=enterprise,
            reason=values.pop("reason", "测试理由"),
            source=values.pop("source", None) or unique("测试清单"),
            valid_from=values.pop("valid_from", tenant_today()),
            **values,
        )
        await row.save()
    return row
