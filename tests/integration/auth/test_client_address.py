"""Item 13: the client address comes from the TCP peer; ``X-Forwarded-For`` counts only when the peer
is a proxy named in ``TRUSTED_PROXIES``. Through a real ``pilotzone serve`` (uvicorn), because the
server itself used to believe the header from any local peer."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import asyncpg
import httpx
import pytest
from tests.support import serve

from pilotzone.settings import reload_settings


@pytest.fixture(scope="module")
def plain_server() -> Iterator[str]:
    yield from serve({"TRUSTED_PROXIES": ""})


@pytest.fixture(scope="module")
def proxied_server() -> Iterator[str]:
    yield from serve({"TRUSTED_PROXIES": "127.0.0.1/32,::1"})


def _fail_logins(url: str, email: str, forwarded: list[str]) -> list[int]:
    statuses = []
    with httpx.Client(base_url=url, timeout=10) as http:
        page = http.get("/login")
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        for hop in forwarded:
            response = http.post(
                "/login",
                data={"email": email, "password": "wrong-password", "csrf_token": token},
                headers={"X-Forwarded-For": hop},
            )
            statuses.append(response.status_code)
    return statuses


async def test_forwarded_header_from_an_untrusted_peer_is_ignored(
    plain_server: str, owner: asyncpg.Connection
) -> None:
    email = f"spoof-{uuid.uuid4().hex[:8]}@example.cn"
    _fail_logins(plain_server, email, [f"203.0.113.{i}" for i in range(1, 4)])
    ips = [r["ip"] for r in await owner.fetch("SELECT ip FROM login_failure WHERE email = $1", email)]
    assert ips == ["127.0.0.1"] * 3  # the peer, not the rotating header


async def _remove_parks(owner: asyncpg.Connection) -> None:
    """The parks registered here and their registrations (submissions of kind registration)."""
    await owner.execute(
        "DELETE FROM submission WHERE applicant_park IN (SELECT id FROM park WHERE name_zh LIKE '测试伪造地址%')"
    )
    await owner.execute("DELETE FROM park WHERE name_zh LIKE '测试伪造地址%'")


async def test_rotating_the_header_does_not_escape_the_registration_limit(
    plain_server: str, owner: asyncpg.Connection
) -> None:
    district = await owner.fetchval(
        "SELECT d->>'code' FROM tenant, jsonb_array_elements(districts) d WHERE slug = 'shantou' LIMIT 1"
    )
    await _remove_parks(owner)
    form = {
        "kind": "bonded_zone",
        "district_code": district,
        "operator": "测试运营",
        "address": "测试地址 9 号",
        "area": "100",
        "contact_name": "赵六",
        "contact_phone": "13800000000",
        "contact_email": "z@example.cn",
    }
    try:
        async with httpx.AsyncClient(base_url=plain_server, timeout=10) as http:
            page = await http.get("/login")
            token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            statuses = [
                (
                    await http.post(
                        "/z/shantou/register/park",
                        data={**form, "name_zh": f"测试伪造地址{i}", "csrf_token": token},
                        headers={"X-Forwarded-For": f"198.51.100.{i + 1}"},
                    )
                ).status_code
                for i in range(6)
            ]
        assert statuses[:5] == [303] * 5 and statuses[5] == 429
        rows = await owner.fetch("SELECT registration_ip FROM park WHERE name_zh LIKE '测试伪造地址%'")
        assert {r["registration_ip"] for r in rows} == {"127.0.0.1"}
    finally:
        await _remove_parks(owner)


async def test_a_trusted_proxy_names_the_client(proxied_server: str, owner: asyncpg.Connection) -> None:
    email = f"proxied-{uuid.uuid4().hex[:8]}@example.cn"
    # the client wrote the left hop itself; the proxy appended the address it saw
    _fail_logins(proxied_server, email, ["10.9.9.9, 198.51.100.20", "198.51.100.21"])
    ips = [
        r["ip"] for r in await owner.fetch("SELECT ip FROM login_failure WHERE email = $1 ORDER BY id", email)
    ]
    assert ips == ["198.51.100.20", "198.51.100.21"]


def _scope(peer: str, forwarded: str | None) -> dict:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded is not None else []
    return {"type": "http", "client": (peer, 5000), "headers": headers}


def test_client_address_walks_trusted_hops_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from pilotzone.auth.middleware import client_address

    try:
        monkeypatch.setenv("TRUSTED_PROXIES", "")
        reload_settings()
        assert client_address(_scope("127.0.0.1", "1.2.3.4")) == "127.0.0.1"
        monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8")
        reload_settings()
        assert client_address(_scope("192.0.2.1", "1.2.3.4")) == "192.0.2.1"  # peer not a proxy
        assert client_address(_scope("10.0.0.2", "1.2.3.4")) == "1.2.3.4"
        assert client_address(_scope("10.0.0.2", "6.6.6.6, 1.2.3.4, 10.0.0.7")) == "1.2.3.4"
        assert client_address(_scope("10.0.0.2", "junk, 10.0.0.7")) == "10.0.0.7"
        assert client_address(_scope("10.0.0.2", None)) == "10.0.0.2"
    finally:
        monkeypatch.delenv("TRUSTED_PROXIES")
        reload_settings()
