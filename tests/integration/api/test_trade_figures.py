"""POST and GET /api/v1/z/{slug}/trade-figures: per-row answers, validation, idempotency, limits, paging,
and a client of one city never reading or writing another's figures."""

from __future__ import annotations

from typing import Any

import asyncpg

from pilotzone.api.codes import Scope
from pilotzone.web.deadlines import tenant_today

PROBLEM = "application/problem+json"


def _last_month() -> str:
    today = tenant_today()
    return f"{today.year - 1}-12" if today.month == 1 else f"{today.year}-{today.month - 1:02d}"


def figure(uscc: str, country: str = "US", value: str = "1000.50", mode: str = "9610", **more: Any) -> dict:
    return {"uscc": uscc, "period": _last_month(), "mode": mode, "direction": "export", "country": country,
            "value_cny": value, "orders": 10, "parcels": 12, **more}


async def _writer(make_client: Any, token_of: Any, slug: str = "guangzhou") -> tuple[Any, dict]:
    created = await make_client(slug, (Scope.TRADE_WRITE, Scope.TRADE_READ))
    return created, {"Authorization": f"Bearer {await token_of(created)}"}


async def test_post_answers_per_row_and_a_correction_keeps_history(
    client: Any, make_client: Any, token_of: Any, new_enterprises: Any, owner: asyncpg.Connection
) -> None:
    created, auth = await _writer(make_client, token_of)
    one, two = await new_enterprises("guangzhou", 2)
    path = "/api/v1/z/guangzhou/trade-figures"
    first = await client.post(path, json={"figures": [figure(one.uscc), figure(two.uscc, "DE")]}, headers=auth)
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["rows"], body["inserted"], body["replaced"], body["unchanged"]) == (2, 2, 0, 0)
    assert body["results"] == [{"row": 1, "status": "inserted"}, {"row": 2, "status": "inserted"}]
    again = await client.post(path, json={"figures": [figure(one.uscc), figure(two.uscc, "DE", value="7.00")]},
                              headers=auth)
    assert [r["status"] for r in again.json()["results"]] == ["unchanged", "replaced"]
    batch = await owner.fetchrow("SELECT source, client, status, rows FROM trade_batch WHERE id = $1",
                                 again.json()["batch"])
    assert dict(batch) == {"source": "api", "client": created.client.id, "status": "done", "rows": 2}
    kept = await owner.fetchval(
        "SELECT h.value_cny FROM trade_figure_history h JOIN trade_figure f ON f.id = h.figure "
        "WHERE f.enterprise = $1", two.id)
    assert str(kept) == "1000.50"
    audit = await owner.fetchrow("SELECT actor, actor_id FROM audit_log WHERE action = 'trade.api_write' "
                                 "AND object_id = $1", str(again.json()["batch"]))
    assert audit["actor"].startswith("API: ") and created.client.client_id in audit["actor"]
    assert audit["actor_id"] is None


async def test_invalid_rows_are_422_with_row_and_column_and_nothing_written(
    client: Any, make_client: Any, token_of: Any, new_enterprises: Any, owner: asyncpg.Connection
) -> None:
    _created, auth = await _writer(make_client, token_of)
    (one,) = await new_enterprises("guangzhou", 1)
    rows = [figure(one.uscc), figure(one.uscc, "FR", value="-1"), figure(one.uscc, "JP", mode="9999"),
            figure(one.uscc, "GB", period="2020-13")]
    answer = await client.post("/api/v1/z/guangzhou/trade-figures", json={"figures": rows}, headers=auth)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM)
    errors = {(e["row"], e["column"]) for e in answer.json()["errors"]}
    assert {(2, "value_cny"), (3, "mode"), (4, "period")} <= errors
    assert await owner.fetchval("SELECT count(*) FROM trade_figure WHERE enterprise = $1", one.id) == 0
    typed = await client.post("/api/v1/z/guangzhou/trade-figures",
                              json={"figures": [figure(one.uscc), figure(one.uscc, orders="many")]}, headers=auth)
    assert typed.status_code == 422 and typed.json()["errors"][0]["row"] == 2
    assert typed.json()["errors"][0]["column"] == "orders"


async def test_more_than_1000_rows_are_refused(client: Any, make_client: Any, token_of: Any,
                                              new_enterprises: Any) -> None:
    _created, auth = await _writer(make_client, token_of)
    (one,) = await new_enterprises("guangzhou", 1)
    rows = [figure(one.uscc, value=f"{i}.00") for i in range(1001)]
    answer = await client.post("/api/v1/z/guangzhou/trade-figures", json={"figures": rows}, headers=auth)
    assert answer.status_code in (413, 422), answer.text
    assert answer.headers["content-type"].startswith(PROBLEM)


async def test_idempotency_key_replays_the_answer_and_refuses_another_body(
    client: Any, make_client: Any, token_of: Any, new_enterprises: Any, owner: asyncpg.Connection
) -> None:
    created, auth = await _writer(make_client, token_of)
    (one,) = await new_enterprises("guangzhou", 1)
    path = "/api/v1/z/guangzhou/trade-figures"
    headers = {**auth, "Idempotency-Key": "batch-2026-001"}
    body = {"figures": [figure(one.uscc)]}
    first = await client.post(path, json=body, headers=headers)
    second = await client.post(path, json=body, headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json() and second.headers["idempotent-replayed"] == "true"
    assert await owner.fetchval("SELECT count(*) FROM trade_batch WHERE client = $1", created.client.id) == 1
    other = await client.post(path, json={"figures": [figure(one.uscc, value="2.00")]}, headers=headers)
    assert other.status_code == 422 and other.json()["type"].endswith("idempotency-key-reused")
    assert await owner.fetchval("SELECT count(*) FROM trade_batch WHERE client = $1", created.client.id) == 1
    fresh = await client.post(path, json=body, headers={**auth, "Idempotency-Key": "batch-2026-002"})
    assert fresh.status_code == 200 and fresh.json()["batch"] != first.json()["batch"]


async def test_get_filters_and_pages(client: Any, make_client: Any, token_of: Any, new_enterprises: Any) -> None:
    _created, auth = await _writer(make_client, token_of)
    (one,) = await new_enterprises("guangzhou", 1)
    countries = ["US", "DE", "FR", "JP", "GB"]
    rows = [figure(one.uscc, c) for c in countries]
    assert (await client.post("/api/v1/z/guangzhou/trade-figures", json={"figures": rows}, headers=auth)).status_code == 200
    seen: list[str] = []
    cursor = None
    while True:
        params = {"uscc": one.uscc, "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = await client.get("/api/v1/z/guangzhou/trade-figures", params=params, headers=auth)
        assert page.status_code == 200, page.text
        seen += [f["country"] for f in page.json()["figures"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(countries)
    only = await client.get("/api/v1/z/guangzhou/trade-figures", params={"uscc": one.uscc, "country": "德国",
                                                                         "mode": "9610", "source": "api"},
                            headers=auth)
    assert [f["country"] for f in only.json()["figures"]] == ["DE"]
    assert only.json()["figures"][0]["value_cny"] == "1000.50"
    bad = await client.get("/api/v1/z/guangzhou/trade-figures", params={"period": "2026-13"}, headers=auth)
    assert bad.status_code == 422 and bad.json()["errors"][0]["column"] == "period"


async def test_a_client_of_one_city_never_reads_or_writes_another(
    client: Any, make_client: Any, token_of: Any, new_enterprises: Any
) -> None:
    _gz, gz_auth = await _writer(make_client, token_of, "guangzhou")
    _fs, fs_auth = await _writer(make_client, token_of, "foshan")
    (foshan_one,) = await new_enterprises("foshan", 1)
    written = await client.post("/api/v1/z/foshan/trade-figures", json={"figures": [figure(foshan_one.uscc)]},
                                headers=fs_auth)
    assert written.status_code == 200
    # the guangzhou client names a foshan enterprise on its own path: unknown here (RLS), nothing written
    refused = await client.post("/api/v1/z/guangzhou/trade-figures", json={"figures": [figure(foshan_one.uscc)]},
                                headers=gz_auth)
    assert refused.status_code == 422 and refused.json()["errors"][0]["column"] == "uscc"
    # foshan's path with a guangzhou token: 403 before anything runs
    other = await client.post("/api/v1/z/foshan/trade-figures", json={"figures": [figure(foshan_one.uscc)]},
                              headers=gz_auth)
    assert other.status_code == 403
    read = await client.get("/api/v1/z/guangzhou/trade-figures", params={"uscc": foshan_one.uscc}, headers=gz_auth)
    assert read.status_code == 200 and read.json()["figures"] == []
    assert (await client.get("/api/v1/z/foshan/trade-figures", headers=gz_auth)).status_code == 403
