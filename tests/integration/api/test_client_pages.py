"""The bureau's pages of API clients: create (the secret shown once), list, revoke after confirming."""

from __future__ import annotations

import re
from typing import Any

import asyncpg
from tests.support import csrf_of, demo


async def test_bureau_admin_creates_and_revokes_a_client(
    admin_gz: Any, client: Any, owner: asyncpg.Connection
) -> None:
    listing = await admin_gz.get("/z/guangzhou/api-clients/")
    assert listing.status_code == 200 and "接口客户端" in listing.text
    form = await admin_gz.get("/z/guangzhou/api-clients/new")
    assert "报送贸易数据" in form.text  # the scopes by their zh-CN labels
    token = await csrf_of(admin_gz)
    refused = await admin_gz.post("/z/guangzhou/api-clients/new", data={"csrf_token": token, "name": "WMS"})
    assert refused.status_code == 422 and "请至少选择一项权限" in refused.text
    made = await admin_gz.post("/z/guangzhou/api-clients/new",
                               data={"csrf_token": token, "name": "海外仓 WMS", "warehouse_write": "on",
                                     "registry_read": "on"})
    assert made.status_code == 200, made.text
    client_id = re.search(r'id="client-id">([^<]+)<', made.text)[1]  # type: ignore[index]
    secret = re.search(r'id="client-secret">([^<]+)<', made.text)[1]  # type: ignore[index]
    row = await owner.fetchrow("SELECT id, scopes, created_by FROM api_client WHERE client_id = $1", client_id)
    try:
        assert row["scopes"] == ["registry:read", "warehouse:write"] and row["created_by"] is not None
        listed = await admin_gz.get("/z/guangzhou/api-clients/")
        assert client_id in listed.text and secret not in listed.text, "the secret is shown only once"
        issued = await client.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
        assert issued.status_code == 200
        confirm = await admin_gz.get(f"/z/guangzhou/api-clients/{row['id']}/revoke")
        assert confirm.status_code == 200 and client_id in confirm.text
        done = await admin_gz.post(f"/z/guangzhou/api-clients/{row['id']}/revoke", data={"csrf_token": token},
                                   follow_redirects=False)
        assert done.status_code == 303
        assert await owner.fetchval("SELECT revoked_by IS NOT NULL FROM api_client WHERE id = $1", row["id"])
        token_after = await client.post("/oauth/token", data={"grant_type": "client_credentials"},
                                        auth=(client_id, secret))
        assert token_after.status_code == 401
        assert await owner.fetchval("SELECT count(*) FROM audit_log WHERE object_type = 'api_client' "
                                    "AND object_id = $1", str(row["id"])) == 2
    finally:
        await owner.execute("DELETE FROM api_client WHERE client_id = $1", client_id)


async def test_only_bureau_admins_see_the_pages(as_user: Any, admin_fs: Any) -> None:
    async with as_user(demo("reviewer", "guangzhou")) as reviewer:
        assert (await reviewer.get("/z/guangzhou/api-clients/")).status_code == 403
    assert (await admin_fs.get("/z/guangzhou/api-clients/")).status_code == 403
    async with as_user(demo("province-viewer")) as viewer:  # a city's credentials are not the province's
        assert (await viewer.get("/z/guangzhou/api-clients/")).status_code == 403
