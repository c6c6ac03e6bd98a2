"""Fixtures of the browser tests: a real server process and Debian's Chromium, one each per module.
(A conftest is imported before the session's environment is set: the server inherits it at start.)"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, sync_playwright
from tests.support import serve

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    yield from serve()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def mail_sink(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real SMTP server (aiosmtpd) writing each mail it receives into ``.directory``; a module whose
    server must mail through it overrides ``server`` with ``serve({"SMTP_HOST": …, "SMTP_PORT": …})``."""
    from pilotzone.embedded import MailSink

    sink = MailSink(tmp_path_factory.mktemp("mail"))
    sink.start()
    yield sink
    sink.stop()
