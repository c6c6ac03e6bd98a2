"""The workspace (工作台) after sign-in: what waits for each role, from the domains' worklists, with
links to the action; the menu grouped for the role; no table-count panel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tests import factories
from tests.support import demo

ROLES = ("admin", "admin2", "reviewer", "district", "park", "enterprise")


@pytest.mark.parametrize("local", ROLES)
async def test_every_role_has_a_workspace_without_table_counts(as_user, local: str) -> None:
    async with as_user(demo(local, "guangzhou")) as client:
        page = await client.get("/z/guangzhou/")
    assert page.status_code == 200
    assert "工作台" in page.text and 'id="todo-heading"' in page.text
    assert "enterprise_search_gram" not in page.text and "统计快照" not in page.text
    assert '<details class="menu">' in page.text


async def test_menu_links_only_what_the_role_may_open(as_user) -> None:
    async with as_user(demo("enterprise", "guangzhou")) as client:
        enterprise = (await client.get("/z/guangzhou/")).text
    async with as_user(demo("admin", "guangzhou")) as client:
        admin = (await client.get("/z/guangzhou/")).text
    for admin_only in (
        'href="/z/guangzhou/registrations',
        'href="/z/guangzhou/admin/users',
        'href="/z/guangzhou/reviews',
    ):
        assert admin_only in admin and admin_only not in enterprise
    assert 'href="/z/guangzhou/funding/applications/"' in enterprise  # the subsidy application is linked
    assert 'href="/"' not in enterprise  # a city's member gets no list of cities that refuse it


async def _member_scope(owner, slug: str, local: str) -> dict:
    return dict(
        await owner.fetchrow(
            'SELECT m.enterprise, m.park, m.district_code FROM membership m JOIN pz_user u ON u.id = m."user" '
            "JOIN tenant t ON t.id = m.tenant_id WHERE u.email = $1 AND t.slug = $2",
            demo(local, slug),
            slug,
        )
    )


async def test_enterprise_sees_its_information_request_and_admin_the_objection(as_user, owner) -> None:
    mine = await _member_scope(owner, "guangzhou", "enterprise")
    enterprise = await owner.fetchrow(
        "SELECT id, park, district_code FROM enterprise WHERE id = $1", mine["enterprise"]
    )
    scheme = await factories.scheme("guangzhou", subject="enterprise")
    scope = {
        "applicant_enterprise": enterprise["id"],
        "applicant_park": enterprise["park"],
        "district_code": enterprise["district_code"],
    }
    asked = await factories.application(
        "guangzhou", scheme, "enterprise", enterprise["id"], status="info_requested", **scope
    )
    noticed = await factories.application(
        "guangzhou",
        scheme,
        "enterprise",
        enterprise["id"],
        status="objected",
        notice_until=datetime.now(UTC) + timedelta(days=3),
        **scope,
    )
    notice = await owner.fetchval("SELECT id FROM notice WHERE submission = $1", noticed.id)
    await factories.objection("guangzhou", notice)
    try:
        async with as_user(demo("enterprise", "guangzhou")) as client:
            page = (await client.get("/z/guangzhou/")).text
        todo = page.split('id="todo-heading"', 1)[1].split('id="mine-heading"', 1)[0]
        assert 'data-todo="certification.answers"' in todo
        assert f'href="/z/guangzhou/applications/{asked.id}"' in todo
        assert "补充" in todo  # the next step in words, the state by its label
        assert "info_requested" not in page
        async with as_user(demo("admin", "guangzhou")) as client:
            admin = (await client.get("/z/guangzhou/")).text
        assert 'data-todo="certification.objections"' in admin
        assert 'href="/z/guangzhou/notices/objections"' in admin
        async with as_user(demo("reviewer", "guangzhou")) as client:
            reviewer = (await client.get("/z/guangzhou/")).text
        assert 'data-todo="certification.objections"' not in reviewer  # only administrators resolve
        async with as_user(demo("enterprise", "foshan")) as client:
            other = (await client.get("/z/foshan/")).text
        assert f"/applications/{asked.id}" not in other
    finally:
        await owner.execute("DELETE FROM submission WHERE id = ANY($1::int[])", [asked.id, noticed.id])


async def test_calculation_to_approve_follows_four_eyes(as_user, owner, tenants) -> None:
    rnd = await factories.synced_round("guangzhou")
    starter = await owner.fetchval("SELECT id FROM pz_user WHERE email = $1", demo("admin", "guangzhou"))
    calc = await factories.calculation(
        "guangzhou", rnd["id"], status="calculated", started_by=starter, finished_at=datetime.now(UTC)
    )
    try:
        async with as_user(demo("admin", "guangzhou")) as client:
            own = (await client.get("/z/guangzhou/")).text
        async with as_user(demo("admin2", "guangzhou")) as client:
            other = (await client.get("/z/guangzhou/")).text
        assert 'data-todo="funding.approve"' not in own  # the one who started it may not approve it
        assert 'data-todo="funding.approve"' in other
        assert f'href="/z/guangzhou/funding/rounds/{rnd["id"]}"' in other
    finally:
        await owner.execute("DELETE FROM calculation WHERE id = $1", calc.id)
