"""Helpers of the OpenID tests: the provider's keys and process, a fresh browser on the app, and
playing the browser at the provider (:func:`authorize`)."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import httpx

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


@contextlib.asynccontextmanager
async def app_browser(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    """A fresh browser (cookie jar) on the in-process app; redirects are looked at, not followed
    (the test client would send the provider's URL to the app)."""
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app=app, base_url=APP_BASE) as client:
        client.follow_redirects = False
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
