"""Demo data for the embedded run (idempotent): demo enterprises and accounts for every role,
a sample document per tenant, a statistics snapshot and the work waiting for the accounts
(``pilotzone.demo_work``). Never in production."""

from __future__ import annotations

import asyncpg

from pilotzone import db
from pilotzone.auth.passwords import hash_password
from pilotzone.auth.services import add_membership
from pilotzone.auth.tables import User, find_user
from pilotzone.demo_work import seed_work
from pilotzone.demo_work.common import DEMO_DOMAIN, DEMO_TENANTS, demo_email, demo_password, sample_pdf
from pilotzone.documents.services import documents_of, store_bytes
from pilotzone.jobs.snapshot import start_snapshot
from pilotzone.registry.tables import Enterprise, Park
from pilotzone.registry.uscc import with_check
from pilotzone.settings import get_settings
from pilotzone.tenancy.context import TenantContext, tenant_transaction
from pilotzone.tenancy.services import list_tenants

TENANT_ACCOUNTS = (  # (local part, role, scope)
    ("admin", "bureau_admin", None),
    ("reviewer", "bureau_reviewer", None),
    ("district", "district_reviewer", "district"),
    ("park", "park_operator", "park"),
    ("enterprise", "enterprise_user", "enterprise"),
)
# a second bureau admin per city: results are approved by another admin than the one who started the
# calculation (four eyes), so the demo funding round can be completed
SECOND_ADMIN = ("admin2", "bureau_admin", None)
PROVINCE_ACCOUNTS = (("province-admin", "province_admin"), ("province-viewer", "province_viewer"))
ROLE_ZH = {
    "province_admin": "管理员",
    "province_viewer": "查看员",
    "bureau_admin": "商务局管理员",
    "bureau_reviewer": "商务局审核员",
    "district_reviewer": "区级审核员",
    "park_operator": "园区运营方",
    "enterprise_user": "企业用户",
}


async def _user(email: str, name: str) -> int:
    row = await find_user(User.email == email)
    if row is None:
        row = User(email=email, display_name=name, password_hash=hash_password(demo_password()))
        await row.save()
    return row.id


async def _grant_province_roles(grants: dict[int, str]) -> None:
    """The app role never writes a province role (tenancy/rls.py): demo seeding (development and
    tests only) does it on an owner connection of its own, after the users were committed."""
    conn = await asyncpg.connect(get_settings().owner_dsn())
    try:
        for user_id, role in grants.items():
            await conn.execute("UPDATE pz_user SET province_role = $1 WHERE id = $2", role, user_id)
    finally:
        await conn.close()


async def _enterprises(slug: str, parks: list[Park]) -> list[Enterprise]:
    """Two demo enterprises, in the first two parks (another park for the isolation checks)."""
    found = []
    for i, park in enumerate(parks[:2]):
        uscc = with_check(f"91{park.district_code}MA{len(slug):02d}{i + 1:05d}")
        row = await Enterprise.objects().where(Enterprise.uscc == uscc).first()
        if row is None:
            row = Enterprise(
                name=f"{park.name_zh}示范跨境电商企业{i + 1}",
                uscc=uscc,
                park=park.id,
                district_code=park.district_code,
            )
            await row.save()
        found.append(row)
    return found


async def seed_accounts() -> list[tuple[str, str, str]]:
    """Demo accounts for every role in guangzhou and foshan, and the province. Returns (email, role, where)."""
    if get_settings().production:
        raise RuntimeError("demo accounts are never created in production")
    created: list[tuple[str, str, str]] = []
    province_roles: dict[int, str] = {}
    async with db.transaction({"app.scope": "public"}):
        for local, role in PROVINCE_ACCOUNTS:
            province_roles[await _user(demo_email(local), f"省商务厅{ROLE_ZH[role]}（演示）")] = role
            created.append((demo_email(local), role, "province"))
        names = {t["slug"]: t["name_zh"] for t in await list_tenants()}
        users = {
            (local, slug): await _user(
                demo_email(local, slug),
                f"{names.get(slug, slug)}{ROLE_ZH[role]}{'二' if local == SECOND_ADMIN[0] else ''}（演示）",
            )
            for slug in DEMO_TENANTS
            for local, role, _ in (*TENANT_ACCOUNTS, SECOND_ADMIN)
        }
        multi = await _user(demo_email("multi"), "两市审核员（演示）")
        tenants = {t["slug"]: t for t in await list_tenants()}
    await _grant_province_roles(province_roles)
    for slug in DEMO_TENANTS:
        if slug not in tenants:
            continue
        async with tenant_transaction(TenantContext(tenants[slug]["id"], slug)):
            parks = await Park.objects().where(Park.status == "active").order_by(Park.id)
            enterprises = await _enterprises(slug, parks)
            first = parks[0]
            for local, role, scope in (*TENANT_ACCOUNTS, SECOND_ADMIN):
                grant: dict = {"role": role}
                if scope == "district":
                    grant["district_code"] = first.district_code
                elif scope == "park":
                    grant["park_id"] = first.id
                elif scope == "enterprise":
                    grant["enterprise_id"] = enterprises[0].id
                await add_membership(users[(local, slug)], grant)
                created.append((demo_email(local, slug), role, slug))
            await add_membership(multi, {"role": "bureau_reviewer"})
            created.append((demo_email("multi"), "bureau_reviewer", slug))
    return created


async def seed() -> None:
    accounts = await seed_accounts()
    work = await seed_work()  # before the snapshots: they count it
    async with db.transaction({"app.scope": "public"}):
        tenants = await list_tenants()
    for tenant in tenants:
        async with tenant_transaction(TenantContext(tenant["id"], tenant["slug"])):
            park = await Park.objects().where(Park.status == "active").order_by(Park.id).first()
            if park is not None and not await documents_of("park", park.id):
                await store_bytes(
                    "park",
                    park.id,
                    f"{park.key}-profile.pdf",
                    sample_pdf(f"{tenant['name_en']}: {park.name_en}"),
                )
            await start_snapshot()
    print(
        f"  demo data: {len(accounts)} demo memberships/roles, sample documents and snapshots for "
        f"{len(tenants)} tenants, work waiting made in {sum(not w.skipped for w in work)}; "
        "demo password: DEMO_PASSWORD (default pilotzone-demo-2026)",
        flush=True,
    )


__all__ = [  # what the tests and the CLI import from here
    "DEMO_DOMAIN",
    "DEMO_TENANTS",
    "demo_email",
    "demo_password",
    "sample_pdf",
    "seed",
    "seed_accounts",
    "seed_work",
]
