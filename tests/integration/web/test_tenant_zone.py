"""Times are shown in the tenant's time zone, a setting of the tenant (Asia/Shanghai by default): a city
set to another zone shows its audit trail in that zone, named by it; Beijing time again once reset."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import asyncpg


async def test_pages_follow_the_tenants_time_zone(admin_gz, owner: asyncpg.Connection) -> None:  # type: ignore[no-untyped-def]
    from pilotzone.tenancy.middleware import forget_tenants

    assert await owner.fetchval("SELECT time_zone FROM tenant WHERE slug = 'guangzhou'") == "Asia/Shanghai"
    await admin_gz.get("/z/guangzhou/")  # something recorded: the sign-in is in the trail already
    row = await owner.fetchrow(
        "SELECT a.id, a.at FROM audit_log a JOIN tenant t ON t.id = a.tenant_id WHERE t.slug = 'guangzhou' "
        "ORDER BY a.id DESC LIMIT 1"
    )
    page = await admin_gz.get("/z/guangzhou/admin/audit")
    shanghai = row["at"].astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M:%S")
    assert "时间（北京时间）" in page.text and f">{shanghai}</time>" in page.text
    await owner.execute("UPDATE tenant SET time_zone = 'Europe/Berlin' WHERE slug = 'guangzhou'")
    forget_tenants()  # the resolution cache holds a tenant for 30 s
    try:
        page = await admin_gz.get("/z/guangzhou/admin/audit")
        berlin = row["at"].astimezone(ZoneInfo("Europe/Berlin")).strftime("%Y-%m-%d %H:%M:%S")
        assert "时间（Europe/Berlin）" in page.text and f">{berlin}</time>" in page.text
    finally:
        await owner.execute("UPDATE tenant SET time_zone = 'Asia/Shanghai' WHERE slug = 'guangzhou'")
        forget_tenants()
    again = await admin_gz.get("/z/guangzhou/admin/audit")
    assert "时间（北京时间）" in again.text
