"""Fixtures of the notify tests: a real SMTP server and a real SMS gateway stand-in, and the settings
that point the product at them. (A conftest is imported before the session's environment is set:
pilotzone is imported inside the fixtures.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.integration.notify.servers import SmsGateway


@pytest.fixture
def smtp_sink(tmp_path: Path) -> Iterator[Any]:
    """A running SMTP server (aiosmtpd) writing each mail it receives into ``.directory``."""
    from pilotzone.embedded import MailSink

    sink = MailSink(tmp_path / "mail")
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def mailbox(smtp_sink: Any) -> Path:
    return smtp_sink.directory


@pytest.fixture
def gateway() -> Iterator[SmsGateway]:
    server = SmsGateway()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def channels(monkeypatch: pytest.MonkeyPatch, smtp_sink: Any, gateway: SmsGateway) -> Iterator[None]:
    """The product sends email to ``smtp_sink`` and SMS to ``gateway`` (retries after 60 s, 300 s)."""
    from pilotzone.settings import reload_settings

    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(smtp_sink.port))
    monkeypatch.setenv("SMS_GATEWAY_URL", gateway.url)
    monkeypatch.setenv("SMS_GATEWAY_TOKEN", "gateway-token")
    monkeypatch.setenv("NOTIFY_RETRY_DELAYS", "60,300")
    monkeypatch.setenv("SMTP_TIMEOUT", "3")
    reload_settings()
    yield
    monkeypatch.undo()
    reload_settings()


@pytest.fixture
async def demo_in_chinese(owner: Any, tenants: dict) -> None:
    """The guangzhou demo accounts' language is Chinese (another test may have chosen English as one
    of them, which the product remembers for their messages)."""
    from tests.support import demo

    from pilotzone.notify.inbox import save_profile
    from pilotzone.tenancy.context import TenantContext, tenant_transaction

    for local in ("enterprise", "district", "reviewer", "admin"):
        user = await owner.fetchval("SELECT id FROM pz_user WHERE email = $1", demo(local, "guangzhou"))
        async with tenant_transaction(TenantContext(tenants["guangzhou"], "guangzhou", "tenant", user)):
            await save_profile(user, language="zh_CN")


@pytest.fixture
async def warehouse(owner: Any, tenants: dict, demo_in_chinese: None) -> Any:
    """A warehouse of the guangzhou demo enterprise to apply for; afterwards its applications go, and
    the messages written during the test."""
    from tests import factories
    from tests.support import demo

    started = await owner.fetchval("SELECT now()")
    gz = tenants["guangzhou"]
    enterprise = await owner.fetchval(
        'SELECT m.enterprise FROM membership m JOIN pz_user u ON u.id = m."user" WHERE u.email = $1 AND m.tenant_id = $2',
        demo("enterprise", "guangzhou"),
        gz,
    )
    row = await factories.warehouse(
        "guangzhou", enterprise, country="DE", city="Bremen", address="通知测试仓"
    )
    yield row.id
    ours = "SELECT id FROM submission WHERE kind = 'certification' AND subject_kind = 'overseas_warehouse' AND subject_id = $1"
    documents = f"DELETE FROM document WHERE owner_kind = 'application' AND owner_id IN ({ours})"  # noqa: S608
    await owner.execute(documents, row.id)
    await owner.execute(f"DELETE FROM submission WHERE id IN ({ours})", row.id)  # noqa: S608
    await owner.execute("DELETE FROM overseas_warehouse WHERE id = $1", row.id)
    await owner.execute("DELETE FROM notify_message WHERE created_at >= $1", started)
    await owner.execute("DELETE FROM notify_preference WHERE tenant_id = $1", gz)
    await owner.execute("UPDATE pz_user SET phone = '' WHERE email = $1", demo("enterprise", "guangzhou"))
    await owner.execute("DELETE FROM job_run WHERE kind = 'notify_delivery'")
