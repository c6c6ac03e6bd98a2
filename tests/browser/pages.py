"""Steps the browser tests share: signing in through the login form, refreshing the rollups."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from tests.support import PASSWORD


def sign_in(page, server: str, email: str, next_path: str = "") -> None:  # type: ignore[no-untyped-def]
    page.goto(server + "/login" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("电子邮箱").fill(email)
    page.get_by_label("密码").fill(PASSWORD)
    with page.expect_response(lambda r: r.url.endswith("/login") and r.request.method == "POST") as posted:
        page.get_by_role("button", name="登录").click()
    if posted.value.status != 303:  # say why, instead of a bare URL mismatch later
        pytest.fail(
            f"sign-in as {email}: {posted.value.status} {page.locator('[role=alert]').all_inner_texts()}"
        )
    page.wait_for_url(lambda url: "/login" not in url)


def refresh_rollups() -> None:
    """Refresh every tenant's rollups with the app's own code, in a worker thread with its own loop
    (the test server has no in-process worker when REDIS_URL is set)."""

    async def run() -> None:
        from pilotzone import db
        from pilotzone.overview.rollups import refresh_current_tenant
        from pilotzone.tenancy.context import TenantContext, tenant_transaction
        from pilotzone.tenancy.tables import Tenant

        async with db.transaction({"app.scope": "public"}):
            tenants = await Tenant.select(Tenant.id, Tenant.slug)
        for t in tenants:
            async with tenant_transaction(TenantContext(t["id"], t["slug"])):
                await refresh_current_tenant()
        await db.DB.close_connection_pool()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, run()).result(timeout=60)
