"""The token endpoint (Authlib's client-credentials grant) and the bearer checks of every API route."""

from __future__ import annotations

from typing import Any

import asyncpg

from pilotzone.api.codes import Scope

PROBLEM = "application/problem+json"


async def test_token_is_issued_with_the_granted_scopes(client: Any, make_client: Any) -> None:
    created = await make_client("guangzhou", (Scope.TRADE_READ, Scope.REGISTRY_READ))
    answer = await client.post("/oauth/token", data={"grant_type": "client_credentials"},
                               auth=(created.client.client_id, created.secret))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    assert body["scope"] == "trade:read registry:read"
    assert answer.headers["cache-control"] == "no-store"
    narrowed = await client.post("/oauth/token", data={"grant_type": "client_credentials", "scope": "trade:read"},
                                 auth=(created.client.client_id, created.secret))
    assert narrowed.json()["scope"] == "trade:read"


async def test_bad_secret_unknown_client_and_revoked_client_are_invalid_client(
    client: Any, make_client: Any, owner: asyncpg.Connection
) -> None:
    created = await make_client()
    form = {"grant_type": "client_credentials"}
    for auth in [(created.client.client_id, created.secret + "x"), ("guangzhou.000000000000000000000000", "x"),
                 ("nosuchcity.abc", "x")]:
        answer = await client.post("/oauth/token", data=form, auth=auth)
        assert answer.status_code == 401, answer.text
        assert answer.headers["content-type"].startswith(PROBLEM)
        assert answer.json()["error"] == "invalid_client"
        assert answer.json()["status"] == 401
        assert answer.headers["www-authenticate"].startswith("Basic")
    no_auth = await client.post("/oauth/token", data=form)
    assert no_auth.status_code in (400, 401) and no_auth.json()["error"] == "invalid_client"
    await owner.execute("UPDATE api_client SET revoked_at = now() WHERE id = $1", created.client.id)
    revoked = await client.post("/oauth/token", data=form, auth=(created.client.client_id, created.secret))
    assert revoked.status_code == 401 and revoked.json()["error"] == "invalid_client"


async def test_unknown_grant_and_ungranted_scope_are_refused(client: Any, make_client: Any) -> None:
    created = await make_client("guangzhou", (Scope.TRADE_READ,))
    auth = (created.client.client_id, created.secret)
    grant = await client.post("/oauth/token", data={"grant_type": "password"}, auth=auth)
    assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"
    scope = await client.post("/oauth/token", data={"grant_type": "client_credentials", "scope": "trade:write"},
                              auth=auth)
    assert scope.status_code == 400 and scope.json()["error"] == "invalid_scope"


async def test_bearer_paths_401_and_403(client: Any, make_client: Any, token_of: Any, owner: asyncpg.Connection,
                                        tenants: dict) -> None:
    uscc = await owner.fetchval("SELECT uscc FROM enterprise WHERE tenant_id = $1 AND status = 'active' LIMIT 1",
                                tenants["guangzhou"])
    path = f"/api/v1/z/guangzhou/enterprises/{uscc}"
    missing = await client.get(path)
    assert missing.status_code == 401 and missing.headers["content-type"].startswith(PROBLEM)
    assert missing.headers["www-authenticate"].startswith("Bearer")
    bad = await client.get(path, headers={"Authorization": "Bearer pza1.abc.def"})
    assert bad.status_code == 401 and 'error="invalid_token"' in bad.headers["www-authenticate"]
    basic = await client.get(path, headers={"Authorization": "Basic eDp5"})
    assert basic.status_code == 401

    reader = await make_client("guangzhou", (Scope.REGISTRY_READ,))
    token = await token_of(reader)
    ok = await client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["uscc"] == uscc

    other_city = await client.get(f"/api/v1/z/foshan/enterprises/{uscc}", headers={"Authorization": f"Bearer {token}"})
    assert other_city.status_code == 403 and other_city.json()["type"].endswith("other-tenant")

    writer = await make_client("guangzhou", (Scope.TRADE_WRITE,))
    lacking = await client.get(path, headers={"Authorization": f"Bearer {await token_of(writer)}"})
    assert lacking.status_code == 403 and lacking.json()["error"] == "insufficient_scope"
    assert 'scope="registry:read"' in lacking.headers["www-authenticate"]

    await owner.execute("UPDATE api_client SET revoked_at = now() WHERE id = $1", reader.client.id)
    revoked = await client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert revoked.status_code == 401, "a revoked client's token stops working at once"


async def test_unknown_api_path_and_enterprise_are_problems(client: Any, make_client: Any, token_of: Any) -> None:
    token = await token_of(await make_client("guangzhou", (Scope.REGISTRY_READ,)))
    nothing = await client.get("/api/v1/nothing-here")
    assert nothing.status_code == 404 and nothing.headers["content-type"].startswith(PROBLEM)
    unknown = await client.get("/api/v1/z/guangzhou/enterprises/000000000000000000",
                               headers={"Authorization": f"Bearer {token}"})
    assert unknown.status_code == 404 and unknown.json()["instance"].endswith("000000000000000000")


async def test_public_endpoints_need_no_token(client: Any) -> None:
    programs = await client.get("/api/v1/z/guangzhou/programs")
    assert programs.status_code == 200, programs.text
    assert any(p["key"] == "export-reward" for p in programs.json())
    unknown_city = await client.get("/api/v1/z/atlantis/programs")
    assert unknown_city.status_code == 404 and unknown_city.headers["content-type"].startswith(PROBLEM)
    missing = await client.get("/api/v1/verify/NO-SUCH-NUMBER")
    assert missing.status_code == 404 and missing.json()["status"] == 404
