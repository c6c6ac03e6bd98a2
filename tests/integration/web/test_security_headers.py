"""Item 15: security headers on every response; pages carry nothing inline that the CSP would have
to allow; in production HSTS and a ``Secure`` flag on every cookie the app sets."""

from __future__ import annotations

import re

import pytest
from litestar.testing import AsyncTestClient
from tests.support import PASSWORD, csrf_of, demo

from pilotzone.settings import reload_settings

INLINE = re.compile(
    r"<style|\sstyle=|<script(?![^>]*\ssrc=)|\son[a-z]+=|javascript:",
    re.IGNORECASE,
)


def assert_headers(response) -> None:  # type: ignore[no-untyped-def]
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "camera=()" in response.headers["permissions-policy"]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/login",
        "/z/guangzhou/",
        "/z/guangzhou/register/enterprise",
        "/static/css/app.css",
        "/healthz",
        "/z/guangzhou/no-such-page",
        "/theme.css",
    ],
)
async def test_every_response_carries_the_headers(client, path: str) -> None:
    response = await client.get(path, follow_redirects=False)
    assert_headers(response)
    assert "strict-transport-security" not in response.headers  # not outside production


@pytest.mark.parametrize(
    "path",
    [
        "/z/guangzhou/",
        "/z/guangzhou/parks/",
        "/z/guangzhou/enterprises/",
        "/z/guangzhou/admin/audit",
        "/z/guangzhou/dashboard/",
        "/z/guangzhou/programs/",
        "/z/guangzhou/applications/",
    ],
)
async def test_pages_have_nothing_inline(admin_gz, path: str) -> None:
    response = await admin_gz.get(path)
    assert response.status_code == 200, (path, response.status_code)
    assert_headers(response)
    assert INLINE.search(response.text) is None, INLINE.search(response.text)
    assert '"includeIndicatorStyles": false' in response.text  # htmx injects no <style>


async def test_public_pages_have_nothing_inline(client) -> None:
    for path in ("/", "/login", "/z/guangzhou/register/park"):
        response = await client.get(path)
        assert INLINE.search(response.text) is None, (path, INLINE.search(response.text))


async def test_tenant_colours_come_from_the_theme_stylesheet(client, owner) -> None:
    primary, accent = await owner.fetchrow(
        "SELECT primary_colour, accent_colour FROM tenant WHERE slug = 'guangzhou'"
    )
    css = await client.get("/theme.css")
    assert css.headers["content-type"].startswith("text/css")
    assert f'body[data-tenant="guangzhou"] {{ --pz-primary: {primary}; --pz-accent: {accent}; }}' in css.text
    page = await client.get("/z/guangzhou/register/park")
    assert 'data-tenant="guangzhou"' in page.text and 'href="/theme.css"' in page.text


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PILOTZONE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    reload_settings()
    yield
    monkeypatch.undo()
    reload_settings()


async def test_production_sends_hsts_and_secure_cookies(app, production) -> None:
    async with AsyncTestClient(app=app, base_url="https://testserver.local") as http:
        page = await http.get("/login")
        assert_headers(page)
        assert page.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
        cookies = page.headers.get_list("set-cookie")
        token = await csrf_of(http)
        signed_in = await http.post(
            "/login",
            data={"email": demo("admin", "foshan"), "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert signed_in.status_code == 303
        cookies += signed_in.headers.get_list("set-cookie")
        http.headers["X-CSRF-Token"] = await csrf_of(http)
        lang = await http.post("/lang", data={"lang": "en", "next": "/"}, follow_redirects=False)
        cookies += lang.headers.get_list("set-cookie")
        out = await http.post("/logout", follow_redirects=False)
        cookies += out.headers.get_list("set-cookie")
    names = {c.split("=", 1)[0] for c in cookies}
    assert {"pz_csrf", "pz_session", "lang"} <= names, names
    for cookie in cookies:
        assert "; secure" in cookie.lower() and "httponly" in cookie.lower(), cookie
