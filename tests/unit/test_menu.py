"""The menu (pilotzone.web.layout.MENU): every link names a route with the parameters the menu gives
it, and each role's menu holds only routes whose guard lets that role in."""

from __future__ import annotations

import pytest

from pilotzone.app import create_app
from pilotzone.auth.guards import Access
from pilotzone.web.layout import MENU, SITE_MENU, menu_for


def _handlers() -> dict[str, tuple[set[str], Access]]:
    app = create_app()
    found = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if handler.name and "GET" in getattr(handler, "http_methods", ()):
                found[handler.name] = (set(route.path_parameters), handler.opt["access"])
    return found


def test_every_menu_link_names_a_get_route_with_its_parameters() -> None:
    handlers = _handlers()
    for group in (*MENU, SITE_MENU):
        for link in group.links:
            params, _access = handlers[link.route]
            assert params == ({"slug"} if link.tenant else set()), link.route


@pytest.mark.parametrize(
    "role", ["bureau_admin", "bureau_reviewer", "district_reviewer", "park_operator", "enterprise_user"]
)
def test_a_members_menu_holds_only_what_its_guard_allows(role: str) -> None:
    handlers = _handlers()
    shown = [link for group in menu_for(role, "guangzhou") for link in group.links]
    for link in shown:
        access = handlers[link.route][1]
        assert access.kind in ("public", "signed_in") or role in access.roles, link.route
    assert "landing" not in {link.route for link in shown}  # no list of cities that refuse it
    assert {"tenant_home", "applications", "funding_applications", "certificates"} <= {
        link.route for link in shown
    }


def test_a_visitor_sees_the_public_pages_only() -> None:
    handlers = _handlers()
    shown = {link.route for group in menu_for(None, "guangzhou") for link in group.links}
    assert shown == {"policies", "notices", "funding_notices", "certificate_lookup", "landing"}
    assert all(handlers[route][1].kind == "public" for route in shown)


@pytest.mark.parametrize("role", ["province_admin", "province_viewer"])
def test_provincial_staff_get_the_city_pages_they_may_read(role: str) -> None:
    handlers = _handlers()
    shown = [link for group in menu_for(role, "guangzhou") for link in group.links]
    for link in shown:
        access = handlers[link.route][1]
        assert (
            access.kind == "public"
            or (access.kind == "tenant" and access.province_read)
            or (access.kind == "province" and role in access.roles)
        ), link.route
    assert "province" in {link.route for link in shown}
