"""Tenant reads: the tenant's record and its latest statistics snapshot."""

from __future__ import annotations

import json

from pilotzone import db
from pilotzone.tenancy.tables import Tenant


async def tenant_record(tenant_id: int) -> Tenant | None:
    return await Tenant.objects().where(Tenant.id == tenant_id).output(load_json=True).first()


async def list_tenants() -> list[dict]:
    return (
        await Tenant.select(
            Tenant.id,
            Tenant.slug,
            Tenant.name_zh,
            Tenant.name_en,
            Tenant.zone_zh,
            Tenant.zone_en,
            Tenant.bureau_zh,
            Tenant.bureau_en,
            Tenant.primary_colour,
            Tenant.approved_year,
        )
        .where(Tenant.active == True)  # noqa: E712
        .order_by(Tenant.sort_order)
        .order_by(Tenant.slug)
    )


async def tenant_colours() -> list[dict]:
    """Slug and branding colours of every active tenant (the ``/theme.css`` stylesheet)."""
    return (
        await Tenant.select(Tenant.slug, Tenant.primary_colour, Tenant.accent_colour)
        .where(Tenant.active == True)  # noqa: E712
        .order_by(Tenant.slug)
    )


async def latest_snapshots() -> dict[int, dict]:
    """Latest snapshot per visible tenant (one for a tenant request, all of them in province scope)."""
    rows = await db.fetch(
        "SELECT DISTINCT ON (tenant_id) tenant_id, counts, taken_at FROM tenant_snapshot "
        "ORDER BY tenant_id, taken_at DESC"
    )
    return {
        row["tenant_id"]: {"counts": json.loads(row["counts"]), "taken_at": row["taken_at"]} for row in rows
    }
