"""Steps the browser tests share: signing in through the login form, refreshing the rollups, reading a
mail the SMTP sink received, running a worker process."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from tests.support import PASSWORD


def sign_in(page, server: str, email: str, next_path: str = "") -> None:  # type: ignore[no-untyped-def]
    page.goto(server + "/login" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("电子邮箱").fill(email)
    page.get_by_label("密码").fill(PASSWORD)
    with page.expect_response(lambda r: r.url.endswith("/login") and r.request.method == "POST") as posted:
        page.get_by_role("button", name="登录").click()
    if posted.value.status != 303:  # say why, instead of a bare URL mismatch later
        pytest.fail(
            f"sign-in as {email}: {posted.value.status} {page.locator('[role=alert]').all_inner_texts()}"
        )
    page.wait_for_url(lambda url: "/login" not in url)


def scroll_to(page, element_id: str) -> None:  # type: ignore[no-untyped-def]
    """Scroll an element into view in the page's own script. Sections loaded on reveal swap themselves
    out (outerHTML), so a Playwright handle taken before the swap can be detached by the time it is
    scrolled; looking the id up in the page is one step."""
    page.evaluate("id => document.getElementById(id).scrollIntoView()", element_id)


def refresh_rollups() -> None:
    """Refresh every tenant's rollups with the app's own code, in a worker thread with its own loop
    (the test server has no in-process worker when REDIS_URL is set)."""

    async def run() -> None:
        from pilotzone import db
        from pilotzone.overview.rollups import refresh_current_tenant
        from pilotzone.tenancy.context import TenantContext, tenant_transaction
        from pilotzone.tenancy.tables import Tenant

        async with db.transaction({"app.scope": "public"}):
            tenants = await Tenant.select(Tenant.id, Tenant.slug)
        for t in tenants:
            async with tenant_transaction(TenantContext(t["id"], t["slug"])):
                await refresh_current_tenant()
        await db.DB.close_connection_pool()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, run()).result(timeout=60)


def mail_to(directory: Path, address: str, subject_has: str = "", timeout: float = 30) -> str:
    """The plain text of the first mail to ``address`` (whose subject holds ``subject_has``) that the
    SMTP sink wrote into ``directory`` (mail is sent after commit: waits for it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(directory.glob("*.eml")):
            mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if mail["To"] == address and subject_has in str(mail["Subject"]):
                body = mail.get_body(("plain",))  # type: ignore[attr-defined]
                return body.get_content() if body is not None else ""
        time.sleep(0.2)
    pytest.fail(f"no mail to {address} ({subject_has!r}) within {timeout} s")


def start_worker(log: Path, extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    """``pilotzone worker`` in its own process group (the test server has no in-process worker when
    REDIS_URL is set); stop it with :func:`stop_worker`."""
    return subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "pilotzone.cli", "worker", "--processes", "1", "--threads", "2"],
        env={**os.environ, **(extra_env or {})},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: the stop reaches dramatiq's worker child too
    )


def stop_worker(worker: subprocess.Popen) -> None:
    """SIGTERM to dramatiq's main process only (it stops its worker child once; a second SIGTERM sent
    to the child directly makes it 'kill' itself and hang); SIGKILL to the group if that hangs."""
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        try:
            os.killpg(worker.pid, signal.SIGKILL)  # nothing of the group may outlive the test
        except ProcessLookupError:
            pass
