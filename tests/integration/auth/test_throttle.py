"""Item 14: failed sign-ins slow the attacker down (per account and address, growing delays; a cap
per address) without locking the owner out: the right password from another address still works.
The client address is the TCP peer, set here through httpx's ASGI transport."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest
from tests import factories

OWNER_PASSWORD = "owner-passw0rd-2026"


@pytest.fixture
async def account(owner: asyncpg.Connection) -> AsyncIterator[str]:
    email = (
        await factories.user(f"{factories.unique('throttle')}@example.cn", "限流测试", OWNER_PASSWORD)
    ).email
    yield email
    await owner.execute("DELETE FROM login_failure WHERE email = $1", email)
    await owner.execute("DELETE FROM pz_user WHERE email = $1", email)


@pytest.fixture
def from_address(app, client) -> Callable:  # type: ignore[no-untyped-def]
    """``async with from_address("203.0.113.7") as post: await post(email, password)``."""

    @asynccontextmanager
    async def make(ip: str) -> AsyncIterator[Callable]:
        transport = httpx.ASGITransport(app=app, client=(ip, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as http:
            page = await http.get("/login")
            token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]

            async def post(email: str, password: str) -> httpx.Response:
                return await http.post(
                    "/login", data={"email": email, "password": password, "csrf_token": token}
                )

            yield post

    return make


async def _age(owner: asyncpg.Connection, email: str, ip: str, seconds: int) -> None:
    """Let time pass for this pair's failures (instead of sleeping)."""
    await owner.execute(
        "UPDATE login_failure SET at = at - make_interval(secs => $3) WHERE email = $1 AND ip = $2",
        email,
        ip,
        seconds,
    )


async def test_the_attacker_is_slowed_and_the_owner_still_signs_in(
    account: str, from_address, owner: asyncpg.Connection
) -> None:
    attacker, owner_ip = "203.0.113.66", "198.51.100.10"
    async with from_address(attacker) as guess:
        for _ in range(5):
            assert (await guess(account, "wrong-guess-123")).status_code == 400
        assert (await guess(account, "wrong-guess-123")).status_code == 429
        # even the right password is refused from the throttled address: the guessing is slowed
        assert (await guess(account, OWNER_PASSWORD)).status_code == 429
    async with from_address(owner_ip) as sign_in:
        response = await sign_in(account, OWNER_PASSWORD)
        assert response.status_code == 303, response.text[:500]
        assert "pz_session" in response.headers.get("set-cookie", "")
    # the owner's success does not clear the attacker's record
    async with from_address(attacker) as guess:
        assert (await guess(account, "wrong-guess-123")).status_code == 429


async def test_the_delays_grow_with_each_failure(
    account: str, from_address, owner: asyncpg.Connection
) -> None:
    attacker = "203.0.113.67"
    async with from_address(attacker) as guess:
        for _ in range(5):
            await guess(account, "wrong-guess-123")
        assert (await guess(account, "wrong-guess-123")).status_code == 429
        await _age(owner, account, attacker, 31)  # the first delay is 30 s
        assert (await guess(account, "wrong-guess-123")).status_code == 400  # 6th failure counted
        await _age(owner, account, attacker, 31)
        assert (await guess(account, "wrong-guess-123")).status_code == 429  # now 60 s
        await _age(owner, account, attacker, 30)
        assert (await guess(account, OWNER_PASSWORD)).status_code == 303  # after the delay, in
    remaining = await owner.fetchval(
        "SELECT count(*) FROM login_failure WHERE email = $1 AND ip = $2", account, attacker
    )
    assert remaining == 0  # a success clears its own address's failures


async def test_one_address_is_capped_across_accounts(
    account: str, from_address, owner: asyncpg.Connection
) -> None:
    sprayer = "203.0.113.68"
    try:
        async with from_address(sprayer) as guess:
            for i in range(20):
                assert (await guess(f"spray{i}-{account}", "wrong-guess-123")).status_code == 400
            assert (await guess(account, OWNER_PASSWORD)).status_code == 429
        async with from_address("198.51.100.11") as sign_in:
            assert (await sign_in(account, OWNER_PASSWORD)).status_code == 303
    finally:
        await owner.execute("DELETE FROM login_failure WHERE ip = $1", sprayer)
