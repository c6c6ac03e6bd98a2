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
