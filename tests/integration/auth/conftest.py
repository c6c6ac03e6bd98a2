"""A real OpenID provider for the sign-in tests: npm `oidc-provider` (tests/oidc/provider.mjs), started
once per session on a free port of 127.0.0.1 and stopped at the end. The app runs in-process; the
test plays the browser at the provider with httpx (see :func:`authorize`)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[3]
NODE = "/usr/bin/node"
APP_BASE = "http://testserver.local"
CLIENT_ID = "pilotzone"
SECRET_ENV = "PZ_TEST_OIDC_CLIENT_SECRET"
# provider keys the tests use; each needs its callback registered at the provider
DEPLOYMENT_KEY = "test-idp"  # deployment-wide, no auto-provisioning
AUTO_KEY = "test-auto"  # deployment-wide, auto-provisioning, province and foshan rules
CITY_KEY = "gz-idp"  # guangzhou's own (stored in tenant.oidc), auto-provisioning
KEYS = (DEPLOYMENT_KEY, AUTO_KEY, CITY_KEY)


@dataclass(frozen=True)
class IdP:
    issuer: str
    process: subprocess.Popen
    log: Path


@pytest.fixture(scope="session")
def idp() -> Iterator[IdP]:
    from pilotzone.embedded import free_port

    port = free_port()
    secret = "test-secret-" + uuid.uuid4().hex
    log = Path(tempfile.mkstemp(prefix="oidc-provider-", suffix=".log")[1])
    env = {
        **os.environ,
        "PZ_OIDC_REDIRECT_URIS": ",".join(f"{APP_BASE}/oidc/{key}/callback" for key in KEYS),
        "PZ_OIDC_CLIENT_ID": CLIENT_ID,
        "PZ_OIDC_CLIENT_SECRET": secret,
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [NODE, str(ROOT / "tests/oidc/provider.mjs"), str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=out,
        )
    issuer = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        if process.poll() is not None:
            pytest.fail(f"oidc-provider exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"oidc-provider gave no discovery document in 20 s:\n{log.read_text()}")
        time.sleep(0.05)
    os.environ[SECRET_ENV] = secret  # what client_secret_env names
    try:
        yield IdP(issuer, process, log)
    finally:
        os.environ.pop(SECRET_ENV, None)
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def deployment_providers(idp: IdP) -> Iterator[dict[str, object]]:
    """The two deployment-wide providers, registered as settings loading would register them."""
    from pilotzone.auth import oidc

    scopes = ("openid", "email", "profile", "pz")
    providers = {
        DEPLOYMENT_KEY: oidc.Provider(
            key=DEPLOYMENT_KEY,
            label="Test IdP",
            issuer=idp.issuer,
            client_id=CLIENT_ID,
            client_secret_env=SECRET_ENV,
            scopes=scopes,
            auto_provision=False,
            role_claim="pz_role",
            rules=(oidc.Rule("province-viewers", "province_viewer"),),
        ),
        AUTO_KEY: oidc.Provider(
            key=AUTO_KEY,
            label="Test IdP (auto)",
            issuer=idp.issuer,
            client_id=CLIENT_ID,
            client_secret_env=SECRET_ENV,
            scopes=scopes,
            auto_provision=True,
            role_claim="pz_role",
            rules=(
                oidc.Rule("province-viewers", "province_viewer"),
                oidc.Rule("district-reviewers", "district_reviewer", tenant="foshan", district_code="440605"),
            ),
        ),
    }
    for provider in providers.values():
        oidc.register_provider(provider)
    yield providers
    for key in providers:
        oidc.unregister_provider(key)


@pytest.fixture(scope="module")
async def city_provider(idp: IdP, owner) -> AsyncIterator[dict]:  # type: ignore[no-untyped-def]
    """guangzhou's own provider, written to tenant.oidc in the loader's format (as `tenants sync` would)."""
    import msgspec

    from pilotzone.provisioning import OidcRule, OidcSpec

    spec = OidcSpec(
        key=CITY_KEY,
        label="广州市统一身份认证（测试）",
        issuer=idp.issuer,
        client_id=CLIENT_ID,
        client_secret_env=SECRET_ENV,
        scopes=["openid", "email", "profile", "pz"],
        auto_provision=True,
        role_claim="pz_role",
        rules=[OidcRule(claim_value="district-reviewers", role="district_reviewer", district_code="440106")],
    )
    before = await owner.fetchval("SELECT oidc::text FROM tenant WHERE slug = 'guangzhou'")
    entry = msgspec.to_builtins(spec)
    await owner.execute(
        "UPDATE tenant SET oidc = $1::jsonb WHERE slug = 'guangzhou'", msgspec.json.encode([entry]).decode()
    )
    yield entry
    await owner.execute("UPDATE tenant SET oidc = $1::jsonb WHERE slug = 'guangzhou'", before)


@contextlib.asynccontextmanager
async def app_browser(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    """A fresh browser (cookie jar) on the in-process app; redirects are looked at, not followed
    (the test client would send the provider's URL to the app)."""
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app=app, base_url=APP_BASE) as client:
        client.follow_redirects = False
        yield client


@pytest.fixture
async def browser(app, deployment_providers, city_provider) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    async with app_browser(app) as client:
        yield client


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form" and self.action is None:
            self.action, self._inside = values.get("action", ""), True
        elif tag == "input" and self._inside and values.get("type") == "hidden" and "name" in values:
            self.fields[values["name"]] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False


async def authorize(authorization_url: str, login: str, abort: bool = False) -> str:
    """Play the browser at the provider: follow its redirects, sign in as ``login`` on its dev login
    form (any password), agree on its consent form, until it redirects back to the app. Returns that
    callback as a path with its query. ``abort``: cancel at the login form instead."""
    async with httpx.AsyncClient(timeout=10) as provider_browser:
        response = await provider_browser.get(authorization_url)
        for _ in range(20):
            if response.is_redirect:
                target = urljoin(str(response.url), response.headers["location"])
                if target.startswith(APP_BASE + "/"):
                    return target[len(APP_BASE) :]
                response = await provider_browser.get(target)
                continue
            assert response.status_code == 200, response.text[:1000]
            form = _Form()
            form.feed(response.text)
            assert form.action, f"no form on the provider's page:\n{response.text[:1000]}"
            data = dict(form.fields)
            if data.get("prompt") == "login":
                if abort:
                    response = await provider_browser.get(
                        urljoin(str(response.url), form.action.rstrip("/") + "/abort")
                    )
                    continue
                data.update(login=login, password="any-password")
            response = await provider_browser.post(urljoin(str(response.url), form.action), data=data)
        raise AssertionError("the provider never redirected back to the app")
