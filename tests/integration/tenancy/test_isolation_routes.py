"""A handler that forgets to filter by tenant still cannot read or write another tenant's rows."""

from __future__ import annotations

import uuid

import asyncpg
import pytest
from litestar import get, post
from litestar.params import FromPath
from litestar.response import Redirect
from litestar.testing import AsyncTestClient
from tests.support import demo, sign_in

from pilotzone.app import create_app
from pilotzone.auth.guards import MEMBERS, PUBLIC, allow
from pilotzone.registry.tables import Park


@get("/z/{slug:str}/__test/parks", opt=allow(MEMBERS))
async def all_parks_unfiltered() -> list[dict]:
    return await Park.select(Park.id, Park.tenant, Park.name_zh)  # no tenant filter on purpose


@post("/z/{slug:str}/__test/parks/{park_id:int}/rename", opt=allow(MEMBERS))
async def rename_any_park(park_id: FromPath[int]) -> dict:
    rows = await Park.update({Park.name_zh: "被篡改"}).where(Park.id == park_id).returning(Park.id)
    return {"updated": len(rows)}


@post("/z/{slug:str}/__test/parks/plant/{victim:int}", opt=allow(MEMBERS))
async def plant_park(victim: FromPath[int]) -> dict:
    await Park(tenant=victim, key="planted", name_zh="植入", kind="industrial_park").save()
    return {"planted": True}


@pytest.fixture(scope="module")
async def leaky_client():  # type: ignore[no-untyped-def]
    app = create_app(extra_routes=[all_parks_unfiltered, rename_any_park, plant_park])
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        await sign_in(client, demo("admin", "guangzhou"))
        yield client


async def test_unfiltered_read_returns_only_own_tenant(
    leaky_client, tenants: dict, owner: asyncpg.Connection
) -> None:
    response = await leaky_client.get("/z/guangzhou/__test/parks")
    assert response.status_code == 200
    rows = response.json()
    assert rows, "guangzhou has parks"
    assert {r["tenant_id"] for r in rows} == {tenants["guangzhou"]}
    other = await owner.fetchval("SELECT count(*) FROM park WHERE tenant_id <> $1", tenants["guangzhou"])
    assert other > 0


async def test_unfiltered_update_cannot_touch_other_tenant(
    leaky_client, tenants: dict, owner: asyncpg.Connection
) -> None:
    victim = await owner.fetchrow(
        "SELECT id, name_zh FROM park WHERE tenant_id = $1 ORDER BY id LIMIT 1", tenants["foshan"]
    )
    response = await leaky_client.post(f"/z/guangzhou/__test/parks/{victim['id']}/rename")
    assert response.status_code == 201
    assert response.json() == {"updated": 0}
    assert await owner.fetchval("SELECT name_zh FROM park WHERE id = $1", victim["id"]) == victim["name_zh"]


async def test_insert_for_other_tenant_is_refused(
    leaky_client, tenants: dict, owner: asyncpg.Connection
) -> None:
    before = await owner.fetchval("SELECT count(*) FROM park WHERE tenant_id = $1", tenants["foshan"])
    response = await leaky_client.post(f"/z/guangzhou/__test/parks/plant/{tenants['foshan']}")
    assert response.status_code == 500
    assert await owner.fetchval("SELECT count(*) FROM park WHERE tenant_id = $1", tenants["foshan"]) == before
    assert await owner.fetchval("SELECT count(*) FROM park WHERE key = 'planted'") == 0


@post("/z/{slug:str}/__test/parks/commit-probe", opt=allow(PUBLIC), status_code=303)
async def write_then_redirect(slug: FromPath[str]) -> Redirect:
    await Park(key=f"probe-{uuid.uuid4().hex[:8]}", name_zh="提交探针", kind="industrial_park").save()
    return Redirect(path=f"/z/{slug}/")


async def test_the_response_starts_only_after_the_commit(owner: asyncpg.Connection) -> None:
    """A browser following a redirect must find what the request wrote: when the first byte of the
    response leaves, another connection already sees the row."""
    app = create_app(extra_routes=[write_then_redirect])
    before = await owner.fetchval("SELECT count(*) FROM park WHERE name_zh = '提交探针'")
    seen_at_start: list[int] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            seen_at_start.append(await owner.fetchval("SELECT count(*) FROM park WHERE name_zh = '提交探针'"))

    token = "t" * 43
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/z/guangzhou/__test/parks/commit-probe",
        "raw_path": b"/z/guangzhou/__test/parks/commit-probe",
        "query_string": b"",
        "root_path": "",
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
        "headers": [
            (b"host", b"testserver"),
            (b"cookie", f"pz_csrf={token}".encode()),
            (b"x-csrf-token", token.encode()),
        ],
    }
    async with AsyncTestClient(app=app):  # runs the app's start-up (pool, bucket)
        await app(scope, receive, send)
    assert seen_at_start == [before + 1]
    await owner.execute("DELETE FROM park WHERE name_zh = '提交探针'")
