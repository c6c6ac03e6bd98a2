"""Tenant reads: the tenant's record and its latest statistics snapshot."""

from __future__ import annotations

from pilotzone.tenancy.tables import Tenant, TenantSnapshot


async def tenant_record(tenant_id: int) -> Tenant | None:
    return await Tenant.objects().where(Tenant.id == tenant_id).output(load_json=True).first()


async def list_tenants() -> list[dict]:
    return (
        await Tenant.select(
            Tenant.id, Tenant.slug, Tenant.name_zh, Tenant.name_en, Tenant.zone_zh, Tenant.zone_en,
            Tenant.bureau_zh, Tenant.bureau_en, Tenant.primary_colour, Tenant.approved_year,
        )
        .where(Tenant.active == True)  # noqa: E712
        .order_by(Tenant.sort_order)
        .order_by(Tenant.slug)
    )


async def latest_snapshots() -> dict[int, dict]:
    """Latest snapshot per visible tenant (one for a tenant request, all of them in province scope)."""
    rows = await TenantSnapshot.raw(
        "SELECT DISTINCT ON (tenant_id) tenant_id, counts, taken_at FROM tenant_snapshot "
        "ORDER BY tenant_id, taken_at DESC"
    ).output(load_json=True)
    return {row["tenant_id"]: row for row in rows}
