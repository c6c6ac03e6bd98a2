"""OpenID Connect sign-in against a real provider (npm oidc-provider, see conftest): code + PKCE,
state, nonce, ID-token checks, account linking and provisioning, and the failure pages."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from tests.integration.auth.oidc_support import (
    AUTO_KEY,
    CITY_KEY,
    DEPLOYMENT_KEY,
    IdP,
    app_browser,
    authorize,
)
from tests.support import demo

# ---------------------------------------------------------------- helpers


async def start(browser: httpx.AsyncClient, key: str, next_path: str = "") -> str:
    """Click the provider's button: the app answers with a redirect to the provider."""
    response = await browser.get(f"/oidc/{key}/login", params={"next": next_path} if next_path else None)
    assert response.status_code == 303, response.text.split("<main", 1)[-1][:600]
    assert "pz_oidc" in browser.cookies
    return response.headers["location"]


def with_param(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert name in query
    query[name] = value
    return urlunsplit(parts._replace(query=urlencode(query)))


async def last_audit_id(owner: asyncpg.Connection) -> int:
    return await owner.fetchval("SELECT coalesce(max(id), 0) FROM audit_log")


async def audits_since(owner: asyncpg.Connection, since: int, action: str) -> list[asyncpg.Record]:
    return await owner.fetch(
        "SELECT tenant_id, actor_id, actor, object_id, after, note FROM audit_log WHERE id > $1 AND action = $2 ORDER BY id",
        since,
        action,
    )


def assert_not_signed_in(browser: httpx.AsyncClient, response: httpx.Response) -> None:
    assert "pz_session" not in response.headers.get("set-cookie", "")
    assert "pz_session" not in browser.cookies


async def assert_failed(
    browser: httpx.AsyncClient,
    owner: asyncpg.Connection,
    since: int,
    response: httpx.Response,
    status: int,
    reason: str,
) -> None:
    assert response.status_code == status, response.text[:800]
    assert 'role="alert"' in response.text and 'href="/login"' in response.text
    assert_not_signed_in(browser, response)
    assert "pz_oidc" not in browser.cookies  # the flow is spent whatever happened
    failures = await audits_since(owner, since, "login.oidc_failed")
    assert [row["note"] for row in failures] == [reason]
    assert not await audits_since(owner, since, "login.oidc")


# ---------------------------------------------------------------- the sign-in page


async def test_sign_in_page_offers_the_providers(
    browser: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = await browser.get("/login")
    assert page.status_code == 200
    for key in (DEPLOYMENT_KEY, AUTO_KEY, CITY_KEY):
        assert f'href="/oidc/{key}/login"' in page.text
    # foshan's example provider is offered only once its secret's variable is set
    assert "/oidc/foshan-idp/login" not in page.text
    assert (await browser.get("/oidc/foshan-idp/login")).status_code == 404
    monkeypatch.setenv("FOSHAN_IDP_CLIENT_SECRET", "set-by-the-deployment")
    page = await browser.get("/login?next=/z/foshan/")
    assert 'href="/oidc/foshan-idp/login?next=/z/foshan/"' in page.text
    assert (await browser.get("/oidc/nobody/login")).status_code == 404


async def test_the_redirect_carries_pkce_state_and_nonce(browser: httpx.AsyncClient, idp: IdP) -> None:
    import base64
    import hashlib

    from pilotzone.auth import oidc

    location = await start(browser, DEPLOYMENT_KEY, "https://evil.example/")
    parts = urlsplit(location)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}" == idp.issuer
    assert query["response_type"] == "code" and query["client_id"] == "pilotzone"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert len(query["state"]) >= 43 and len(query["nonce"]) >= 43 and query["state"] != query["nonce"]
    assert query["redirect_uri"] == f"http://testserver.local/oidc/{DEPLOYMENT_KEY}/callback"
    assert set(query["scope"].split()) == {"openid", "email", "profile", "pz"}
    cookie = next(c for c in browser.cookies.jar if c.name == "pz_oidc")
    assert cookie.path == "/oidc/" and cookie.has_nonstandard_attr("HttpOnly")
    # the signed cookie holds this flow: state, nonce, the verifier behind the challenge, a local next
    flow = oidc.unseal(cookie.value)
    assert (flow.provider, flow.state, flow.nonce) == (DEPLOYMENT_KEY, query["state"], query["nonce"])
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(flow.verifier.encode()).digest()).rstrip(b"=").decode()
    )
    assert challenge == query["code_challenge"] and flow.verifier not in location
    assert flow.next == ""  # an off-site next is dropped (no open redirect)


# ---------------------------------------------------------------- success


async def test_existing_user_is_linked_by_verified_email_and_lands_on_its_tenant(
    browser: httpx.AsyncClient, owner: asyncpg.Connection, idp: IdP, app
) -> None:  # type: ignore[no-untyped-def]
    email = demo("admin", "guangzhou")
    user_id = await owner.fetchval("SELECT id FROM pz_user WHERE email = $1", email)
    # not linked yet, whichever test signed in as admin-gz before this one
    await owner.execute("DELETE FROM user_identity WHERE issuer = $1 AND subject = 'admin-gz'", idp.issuer)
    since = await last_audit_id(owner)
    callback = await authorize(await start(browser, DEPLOYMENT_KEY), "admin-gz")
    assert callback.startswith(f"/oidc/{DEPLOYMENT_KEY}/callback?")
    response = await browser.get(callback)
    assert response.status_code == 303, response.text[:800]
    assert response.headers["location"] == "/z/guangzhou/"
    assert "pz_session" in browser.cookies and "pz_oidc" not in browser.cookies
    home = await browser.get("/z/guangzhou/")
    assert home.status_code == 200 and 'action="/logout"' in home.text  # signed in

    identity = await owner.fetchrow(
        "SELECT \"user\" FROM user_identity WHERE issuer = $1 AND subject = 'admin-gz'", idp.issuer
    )
    assert identity["user"] == user_id
    linked = await audits_since(owner, since, "identity.linked")
    logins = await audits_since(owner, since, "login.oidc")
    assert [r["actor_id"] for r in linked] == [user_id] and [r["actor_id"] for r in logins] == [user_id]
    assert json.loads(logins[0]["after"])["provider"] == DEPLOYMENT_KEY
    assert not await audits_since(owner, since, "login.oidc_failed")

    # the next sign-in finds the identity itself (another browser, the provider asks again)
    async with app_browser(app) as other:
        callback = await authorize(await start(other, DEPLOYMENT_KEY, "/z/guangzhou/parks/"), "admin-gz")
        response = await other.get(callback)
        assert response.status_code == 303 and response.headers["location"] == "/z/guangzhou/parks/"
    assert await owner.fetchval("SELECT count(*) FROM user_identity WHERE subject = 'admin-gz'") == 1


# ---------------------------------------------------------------- protocol failures


async def test_wrong_state_is_refused(browser: httpx.AsyncClient, owner: asyncpg.Connection) -> None:
    since = await last_audit_id(owner)
    callback = await authorize(await start(browser, DEPLOYMENT_KEY), "admin-gz")
    response = await browser.get(with_param(callback, "state", "not-the-state-of-this-browser"))
    await assert_failed(browser, owner, since, response, 400, "state_mismatch")
    assert "与本浏览器发起的登录请求不一致" in response.text  # zh-CN is the default locale


async def test_callback_without_the_flow_cookie_is_refused(
    browser: httpx.AsyncClient, owner: asyncpg.Connection, app
) -> None:  # type: ignore[no-untyped-def]
    callback = await authorize(await start(browser, DEPLOYMENT_KEY), "admin-gz")
    since = await last_audit_id(owner)
    async with app_browser(app) as stranger:  # a victim's browser
        response = await stranger.get(callback)
        await assert_failed(stranger, owner, since, response, 400, "flow_missing")
    # a forged cookie (signature does not match) is no better
    since = await last_audit_id(owner)
    browser.cookies.set(
        "pz_oidc", browser.cookies["pz_oidc"][:-4] + "AAAA", domain="testserver.local", path="/oidc/"
    )
    response = await browser.get(callback)
    assert response.status_code == 400
    assert [r["note"] for r in await audits_since(owner, since, "login.oidc_failed")] == ["flow_tampered"]


async def test_wrong_nonce_is_refused(browser: httpx.AsyncClient, owner: asyncpg.Connection) -> None:
    """The provider is asked for another nonce than the one this browser's flow holds: it signs an ID
    token with that nonce, which the app must not accept (replayed or injected tokens)."""
    since = await last_audit_id(owner)
    location = with_param(
        await start(browser, DEPLOYMENT_KEY), "nonce", "a-nonce-from-another-flow-0123456789"
    )
    response = await browser.get(await authorize(location, "admin-gz"))
    await assert_failed(browser, owner, since, response, 400, "nonce_mismatch")
    assert not await audits_since(owner, since, "identity.linked")


async def test_expired_code_is_refused(browser: httpx.AsyncClient, owner: asyncpg.Connection) -> None:
    since = await last_audit_id(owner)
    callback = await authorize(await start(browser, DEPLOYMENT_KEY), "admin-gz")
    await asyncio.sleep(3)  # the provider's codes live 2 s
    response = await browser.get(callback)
    await assert_failed(browser, owner, since, response, 400, "code_rejected")
    failure = (await audits_since(owner, since, "login.oidc_failed"))[0]
    assert "invalid_grant" in json.loads(failure["after"])["detail"]


async def test_code_cannot_be_used_twice(browser: httpx.AsyncClient, owner: asyncpg.Connection, app) -> None:  # type: ignore[no-untyped-def]
    callback = await authorize(await start(browser, DEPLOYMENT_KEY), "admin-gz")
    sealed = browser.cookies["pz_oidc"]
    assert (await browser.get(callback)).status_code == 303
    since = await last_audit_id(owner)
    async with app_browser(app) as replay:
        replay.cookies.set("pz_oidc", sealed, domain="testserver.local", path="/oidc/")
        response = await replay.get(callback)
        await assert_failed(replay, owner, since, response, 400, "code_rejected")


async def test_provider_error_is_shown(browser: httpx.AsyncClient, owner: asyncpg.Connection) -> None:
    since = await last_audit_id(owner)
    callback = await authorize(await start(browser, DEPLOYMENT_KEY), "admin-gz", abort=True)
    assert "error=access_denied" in callback
    response = await browser.get(callback)
    await assert_failed(browser, owner, since, response, 400, "provider_error")
    assert "access_denied" in response.text


# ---------------------------------------------------------------- who may sign in


async def test_unknown_user_is_refused_when_provisioning_is_off(
    browser: httpx.AsyncClient, owner: asyncpg.Connection
) -> None:
    since = await last_audit_id(owner)
    response = await browser.get(await authorize(await start(browser, DEPLOYMENT_KEY), "newcomer-off"))
    await assert_failed(browser, owner, since, response, 403, "no_account")
    assert "该身份尚未开通本平台账号" in response.text and "管理员" in response.text
    assert (
        await owner.fetchval("SELECT count(*) FROM pz_user WHERE email = 'newcomer-off@idp.example.cn'") == 0
    )
    assert await owner.fetchval("SELECT count(*) FROM user_identity WHERE subject = 'newcomer-off'") == 0


async def test_unverified_email_is_not_linked(browser: httpx.AsyncClient, owner: asyncpg.Connection) -> None:
    """The provider says the email is NOT verified: it must not open the account with that email."""
    since = await last_audit_id(owner)
    response = await browser.get(
        await authorize(await start(browser, DEPLOYMENT_KEY), "reviewer-gz-unverified")
    )
    await assert_failed(browser, owner, since, response, 403, "no_account")
    assert (
        await owner.fetchval("SELECT count(*) FROM user_identity WHERE subject = 'reviewer-gz-unverified'")
        == 0
    )


async def test_city_provider_provisions_user_with_mapped_membership(
    browser: httpx.AsyncClient, owner: asyncpg.Connection, tenants: dict[str, int], idp: IdP
) -> None:
    since = await last_audit_id(owner)
    response = await browser.get(await authorize(await start(browser, CITY_KEY), "newcomer-on"))
    assert response.status_code == 303, response.text[:800]
    assert response.headers["location"] == "/z/guangzhou/"
    assert "pz_session" in browser.cookies

    user = await owner.fetchrow(
        "SELECT id, display_name, password_hash, province_role FROM pz_user WHERE email = 'newcomer-on@idp.example.cn'"
    )
    assert user is not None and user["password_hash"] is None and user["province_role"] is None
    assert user["display_name"] == "Newcomer (provisioned)"
    assert (
        await owner.fetchval(
            "SELECT \"user\" FROM user_identity WHERE issuer = $1 AND subject = 'newcomer-on'", idp.issuer
        )
        == user["id"]
    )
    memberships = await owner.fetch(
        'SELECT tenant_id, role, district_code FROM membership WHERE "user" = $1', user["id"]
    )
    # "unrelated-group" matched no rule; the one rule gives a role in guangzhou, nowhere else
    assert [tuple(m) for m in memberships] == [(tenants["guangzhou"], "district_reviewer", "440106")]

    provisioned = await audits_since(owner, since, "user.provisioned")
    assert len(provisioned) == 1 and provisioned[0]["actor_id"] == user["id"]
    after = json.loads(provisioned[0]["after"])
    assert after["provider"] == CITY_KEY and after["memberships"][0]["tenant"] == "guangzhou"
    added = await audits_since(owner, since, "membership.added")
    assert [r["tenant_id"] for r in added] == [tenants["guangzhou"]]  # in the tenant's own chain
    assert len(await audits_since(owner, since, "login.oidc")) == 1

    home = await browser.get("/z/guangzhou/")
    assert (
        home.status_code == 200 and "Newcomer (provisioned)" in home.text and 'action="/logout"' in home.text
    )


async def test_provisioned_user_without_matching_rule_has_no_access(
    browser: httpx.AsyncClient, owner: asyncpg.Connection
) -> None:
    response = await browser.get(await authorize(await start(browser, CITY_KEY), "newcomer-norole"))
    assert response.status_code == 303 and response.headers["location"] == "/account/no-access"
    user_id = await owner.fetchval("SELECT id FROM pz_user WHERE email = 'newcomer-norole@idp.example.cn'")
    assert await owner.fetchval('SELECT count(*) FROM membership WHERE "user" = $1', user_id) == 0
    assert (await browser.get("/account/no-access")).status_code == 200


async def test_deployment_provider_grants_a_province_role(
    browser: httpx.AsyncClient, owner: asyncpg.Connection
) -> None:
    response = await browser.get(await authorize(await start(browser, AUTO_KEY), "province-staff"))
    assert response.status_code == 303 and response.headers["location"] == "/province/"
    row = await owner.fetchrow(
        "SELECT id, province_role FROM pz_user WHERE email = 'province-staff@idp.example.cn'"
    )
    assert row["province_role"] == "province_viewer"
    assert await owner.fetchval('SELECT count(*) FROM membership WHERE "user" = $1', row["id"]) == 0
    assert (await browser.get("/province/")).status_code == 200


async def test_city_provider_cannot_sign_in_a_provincial_account(
    browser: httpx.AsyncClient, owner: asyncpg.Connection
) -> None:
    since = await last_audit_id(owner)
    response = await browser.get(await authorize(await start(browser, CITY_KEY), "province-admin-demo"))
    await assert_failed(browser, owner, since, response, 403, "account_elsewhere")
    assert (
        await owner.fetchval("SELECT count(*) FROM user_identity WHERE subject = 'province-admin-demo'") == 0
    )


# ---------------------------------------------------------------- pieces
