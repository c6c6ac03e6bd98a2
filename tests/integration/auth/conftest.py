"""A real OpenID provider for the sign-in tests: npm `oidc-provider` (tests/oidc/provider.mjs), started
once per session on a free port of 127.0.0.1 and stopped at the end. The app runs in-process; the
test plays the browser at the provider with httpx (see :func:`authorize`)."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from tests.integration.auth.oidc_support import (
    APP_BASE,
    AUTO_KEY,
    CITY_KEY,
    CLIENT_ID,
    DEPLOYMENT_KEY,
    KEYS,
    NODE,
    SECRET_ENV,
    IdP,
    app_browser,
)
from tests.support import ROOT


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


@pytest.fixture
async def browser(app, deployment_providers, city_provider) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    async with app_browser(app) as client:
        yield client
