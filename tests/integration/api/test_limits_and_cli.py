"""The rate limit (429 + Retry-After), warehouse operations, and ``pilotzone clients``."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from click.testing import CliRunner

from pilotzone.api.codes import Scope
from pilotzone.settings import reload_settings
from pilotzone.web.deadlines import tenant_today


async def test_rate_limit_answers_429_with_retry_after(
    client: Any, make_client: Any, token_of: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = await make_client("guangzhou", (Scope.TRADE_READ,))
    auth = {"Authorization": f"Bearer {await token_of(created)}"}
    try:
        monkeypatch.setenv("API_RATE_LIMIT", "3")
        monkeypatch.setenv("API_RATE_WINDOW", "60")
        reload_settings()
        answers = [await client.get("/api/v1/z/guangzhou/trade-figures?limit=1", headers=auth) for _ in range(5)]
    finally:
        monkeypatch.delenv("API_RATE_LIMIT")
        monkeypatch.delenv("API_RATE_WINDOW")
        reload_settings()
    statuses = [a.status_code for a in answers]
    assert statuses.count(429) >= 2 and statuses[0] == 200, statuses
    limited = answers[-1]
    assert limited.headers["content-type"].startswith("application/problem+json")
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    other = await make_client("guangzhou", (Scope.TRADE_READ,))  # the limit is per client
    fresh = await client.get("/api/v1/z/guangzhou/trade-figures?limit=1",
                             headers={"Authorization": f"Bearer {await token_of(other)}"})
    assert fresh.status_code == 200


async def test_warehouse_operations_replace_and_validate(
    client: Any, make_client: Any, token_of: Any, new_enterprises: Any, owner: asyncpg.Connection
) -> None:
    from tests import factories

    (one,) = await new_enterprises("guangzhou", 1)
    house = await factories.warehouse("guangzhou", one.id, floor_area=Decimal("500.00"))
    created = await make_client("guangzhou", (Scope.WAREHOUSE_WRITE,))
    auth = {"Authorization": f"Bearer {await token_of(created)}"}
    path = f"/api/v1/z/guangzhou/warehouses/{house.id}/operations"
    month = tenant_today().strftime("%Y-%m")
    body = {"period": month, "orders_fulfilled": 1200, "returns_handled": 30, "area_used": "420.50"}
    first = await client.post(path, json=body, headers=auth)
    assert first.status_code == 200 and first.json()["status"] == "inserted", first.text
    assert (await client.post(path, json=body, headers=auth)).json()["status"] == "unchanged"
    changed = await client.post(path, json={**body, "returns_handled": 31}, headers=auth)
    assert changed.json()["status"] == "replaced"
    row = await owner.fetchrow("SELECT returns_handled, area_used FROM warehouse_operation WHERE warehouse = $1",
                               house.id)
    assert row["returns_handled"] == 31 and row["area_used"] == Decimal("420.50")
    assert await owner.fetchval("SELECT count(*) FROM audit_log WHERE action = 'warehouse_operation.api_write' "
                                "AND object_id = $1", str(house.id)) == 2
    too_big = await client.post(path, json={**body, "area_used": "500.01"}, headers=auth)
    assert too_big.status_code == 422 and too_big.json()["errors"][0]["column"] == "area_used"
    future = await client.post(path, json={**body, "period": f"{tenant_today().year + 1}-01", "orders_fulfilled": -1},
                               headers=auth)
    assert {e["column"] for e in future.json()["errors"]} == {"period", "orders_fulfilled"}
    missing = await client.post("/api/v1/z/guangzhou/warehouses/999999999/operations", json=body, headers=auth)
    assert missing.status_code == 404


async def _clients(*args: str) -> Any:
    from pilotzone.cli import main

    return await asyncio.to_thread(CliRunner().invoke, main, ["clients", *args])


async def test_cli_creates_lists_and_revokes(client: Any, owner: asyncpg.Connection) -> None:
    made = await _clients("create", "--tenant", "foshan", "--name", "单一窗口", "--scopes", "trade:write,registry:read")
    assert made.exit_code == 0, made.output
    answer = json.loads(made.output.strip().splitlines()[-1])
    try:
        assert answer["tenant"] == "foshan" and answer["scopes"] == ["trade:write", "registry:read"]
        assert answer["client_id"].startswith("foshan.") and len(answer["client_secret"]) >= 40
        stored = await owner.fetchval("SELECT secret_hash FROM api_client WHERE client_id = $1", answer["client_id"])
        assert stored and answer["client_secret"] not in stored
        token = await client.post("/oauth/token", data={"grant_type": "client_credentials"},
                                  auth=(answer["client_id"], answer["client_secret"]))
        assert token.status_code == 200
        listed = await _clients("list", "--tenant", "foshan")
        assert any(json.loads(line)["client_id"] == answer["client_id"] for line in listed.output.splitlines())
        assert "client_secret" not in listed.output
        revoked = await _clients("revoke", "--tenant", "foshan", answer["client_id"])
        assert revoked.exit_code == 0, revoked.output
        again = await client.post("/oauth/token", data={"grant_type": "client_credentials"},
                                  auth=(answer["client_id"], answer["client_secret"]))
        assert again.status_code == 401
        actor = await owner.fetchval("SELECT actor FROM audit_log WHERE action = 'api_client.create' "
                                     "AND after->>'client_id' = $1", answer["client_id"])
        assert actor == "command line: pilotzone clients"
    finally:
        await owner.execute("DELETE FROM api_client WHERE client_id = $1", answer["client_id"])
    assert (await _clients("create", "--tenant", "atlantis", "--name", "x", "--scopes", "trade:read")).exit_code == 2
    assert (await _clients("create", "--tenant", "foshan", "--name", "x", "--scopes", "trade:delete")).exit_code == 2
