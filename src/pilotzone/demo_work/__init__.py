"""Work waiting in the demo (issue 13, item 10): in guangzhou and foshan, certification and funding
applications in every state, a round calculated, approved by the second admin and partly paid, an
objection resolved, registrations waiting for the bureau — so whoever signs in as a demo account finds
something to do. Everything goes through the product's services as the demo accounts (the same steps
the pages take); only time is moved, as the tests move it (notice ends, the history spread back over the
last months). Idempotent: a city's work is written in one transaction, and a city that has it is left
alone. Never in production.

``seed_work()`` is called by ``pilotzone.demo.seed`` (``pilotzone serve`` in development and
``pilotzone demo``) and by the test session (``tests/conftest.py``), after the demo accounts exist."""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass

from pilotzone import db
from pilotzone.auth.passwords import hash_password
from pilotzone.auth.principal import ANONYMOUS, set_principal
from pilotzone.auth.tables import User, find_user
from pilotzone.demo_work import api_clients, certification, funding, trade, trade_gaps
from pilotzone.demo_work import returns as trade_returns
from pilotzone.demo_work.common import DEMO_TENANTS, demo_email, demo_password
from pilotzone.demo_work.people import (
    already_seeded,
    applicant_users,
    cast,
    demo_enterprises,
    lock,
    registrations,
)
from pilotzone.registry.tables import Enterprise, Park
from pilotzone.settings import get_settings
from pilotzone.tenancy.context import TenantContext, tenant_transaction
from pilotzone.tenancy.middleware import lookup
from pilotzone.tenancy.services import list_tenants

ACCOUNTS = ("admin", "admin2", "reviewer", "district", "park", "enterprise")


@dataclass
class Seeded:
    """What one city got (nothing when it had its demo work already)."""

    slug: str
    certification: certification.Done | None = None
    funding: funding.Done | None = None
    returns: trade_returns.Done | None = None
    registrations: int = 0
    trade_figures: int = 0  # official trade figures (a year and the year before)
    trade_gaps: trade_gaps.Done | None = None
    api_clients: int = 0  # machine-API clients (one of them revoked)
    skipped: bool = False


async def _users(slug: str) -> dict[str, tuple[int, str, str]]:
    found: dict[str, tuple[int, str, str]] = {}
    for local in ACCOUNTS:
        user = await find_user(User.email == demo_email(local, slug))
        if user is not None:
            found[local] = (user.id, user.email, user.display_name)
    return found


async def seed_city(
    tenant: dict, users: dict[str, tuple[int, str, str]], applicants: dict[str, tuple[int, str, str]]
) -> Seeded:
    """One city's work, in one transaction (``users``: the demo accounts; ``applicants``: the users of
    the demo enterprises, made beforehand: users belong to no tenant)."""
    slug = tenant["slug"]
    seeded = Seeded(slug)
    await lookup(slug)  # the tenant's districts, as a request of the city resolves them
    async with tenant_transaction(TenantContext(tenant["id"], slug)):
        await lock(tenant["id"])
        parks = await Park.objects().where(Park.status == "active").order_by(Park.id)
        if not parks or await already_seeded(parks[0], tenant["id"]):
            seeded.skipped = True
            return seeded
        others = await demo_enterprises(tenant["name_zh"], parks[0], tenant["id"], applicants)
        people = await cast(tenant, {**users, **applicants})
        member = people["enterprise"].acting
        own = (
            await Enterprise.objects().where(Enterprise.id == (member.enterprise_id if member else 0)).first()
        )
        assert own is not None
        seeded.certification = await certification.seed(people, own, others)
        seeded.funding = await funding.seed(people, own, others)
        # the official figures first: the returns declare them (within ±2 %, a few far off)
        seeded.trade_figures = await trade.seed(slug)
        seeded.returns = await trade_returns.seed(people, own, others)
        seeded.registrations = await registrations(tenant["name_zh"], parks[0], tenant["id"])
        # last: after the returns and the official figures of the trade demo steps
        seeded.trade_gaps = await trade_gaps.seed(people)
        seeded.api_clients = await api_clients.seed(people)
    set_principal(ANONYMOUS)
    return seeded


async def seed_work() -> list[Seeded]:
    """The demo work of every demo city that has its demo accounts (idempotent)."""
    if get_settings().production:
        raise RuntimeError("demo data is never created in production")
    async with db.transaction({"app.scope": "public"}):
        tenants = {t["slug"]: t for t in await list_tenants()}
        users = {slug: await _users(slug) for slug in DEMO_TENANTS}
        password = functools.cache(lambda: hash_password(demo_password()))  # once, if a user is new
        applicants = {slug: await applicant_users(slug, password) for slug in DEMO_TENANTS if slug in tenants}
    ready = [s for s in DEMO_TENANTS if s in tenants and set(users[s]) == set(ACCOUNTS)]
    # the cities side by side: each task has its own tenant transaction and caller (context variables)
    return list(await asyncio.gather(*(seed_city(tenants[s], users[s], applicants[s]) for s in ready)))
