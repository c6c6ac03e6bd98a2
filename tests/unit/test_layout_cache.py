"""What the layout keeps between requests gives what rendering afresh gives: the cached navigation per
language and role, template links per value (and class of value), enum labels per language."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from litestar.exceptions import NoRouteMatchFoundException

from pilotzone.app import create_app
from pilotzone.auth.roles import Role
from pilotzone.registry.codes import ParkKind
from pilotzone.web.i18n import reset_locale, set_locale
from pilotzone.web.labels import label
from pilotzone.web.layout import cached_fragment
from pilotzone.web.urls import reverser, template_url_for

NAV = (
    '{{ cached_fragment("macros/nav.html", slug=slug, zone=zone, role=role, province=province) }}'
)


def _nav(env, request, locale: str, **key: object) -> str:
    token = set_locale(locale)
    try:
        return env.from_string(NAV).render(request=request, cached_fragment=cached_fragment, **key)
    finally:
        reset_locale(token)


def test_the_cached_navigation_follows_language_role_and_tenant() -> None:
    app = create_app()
    env, request = app.template_engine.engine, SimpleNamespace(app=app)
    assert not env.auto_reload  # the cache is on (development renders afresh)
    admin = {"slug": "foshan", "zone": "佛山综试区", "role": "bureau_admin", "province": False}
    first = _nav(env, request, "zh_CN", **admin)
    assert _nav(env, request, "zh_CN", **admin) == first
    reviewer = _nav(env, request, "zh_CN", **{**admin, "role": "bureau_reviewer"})
    assert reviewer != first
    assert reverser(app)("tenant_users", slug="foshan") in first
    assert reverser(app)("tenant_users", slug="foshan") not in reviewer
    assert reverser(app)("reviews", slug="foshan") in reviewer
    english = _nav(env, request, "en", **admin)
    assert "Users and roles" in english and "Users and roles" not in first
    other = _nav(env, request, "zh_CN", **{**admin, "slug": "shantou", "zone": "汕头综试区"})
    assert "汕头综试区" in other and "/z/foshan/" not in other
    anonymous = _nav(env, request, "zh_CN", slug=None, zone=None, role=None, province=False)
    assert "/z/" not in anonymous
    province = _nav(env, request, "zh_CN", slug=None, zone=None, role="province_admin", province=True)
    assert reverser(app)("province_users") in province
    # what development (templates reload, nothing cached) renders is the same
    env.auto_reload = True
    try:
        assert _nav(env, request, "zh_CN", **admin) == first
    finally:
        env.auto_reload = False


def test_template_links_are_kept_per_value_and_class() -> None:
    app = create_app()
    context = {"request": SimpleNamespace(app=app)}
    assert template_url_for(context, "park", slug="foshan", park_id=1) == "/z/foshan/parks/1"
    assert template_url_for(context, "park", slug="foshan", park_id=1) == "/z/foshan/parks/1"
    # equal values of another class are checked again, as the reverser checks them
    assert template_url_for(context, "park", slug="foshan", park_id=True) == reverser(app)(
        "park", slug="foshan", park_id=True
    )
    with pytest.raises(NoRouteMatchFoundException):
        template_url_for(context, "park", slug="foshan", park_id=1.0)
    with pytest.raises(NoRouteMatchFoundException):
        template_url_for(context, "park", slug="foshan", park_id="1")
    with pytest.raises(NoRouteMatchFoundException):
        template_url_for(context, "park", slug="foshan", park_id=[1])  # unhashable: the reverser refuses it
    other = create_app()  # another app: its own routes and paths
    assert template_url_for({"request": SimpleNamespace(app=other)}, "parks", slug="x") == "/z/x/parks/"


def test_enum_labels_are_kept_per_language() -> None:
    for _ in range(2):
        token = set_locale("zh_CN")
        try:
            assert label(ParkKind, "bonded_zone") == "保税区"
            assert label(Role, "no_such_role") == "no_such_role"
        finally:
            reset_locale(token)
        token = set_locale("en")
        try:
            assert label(Role, "park_operator") == "Park operator"
            assert label(ParkKind, "bonded_zone") == ParkKind("bonded_zone").en
        finally:
            reset_locale(token)
