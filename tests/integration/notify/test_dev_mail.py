"""The development mail page lists what the embedded SMTP sink kept and shows one mail; outside
development it answers 404 (and ``notify.routes`` does not even mount it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from pilotzone.app import create_app
from pilotzone.notify import routes
from pilotzone.notify.channels import send_email
from pilotzone.notify.devmail import DevMailController
from pilotzone.settings import get_settings, reload_settings


@pytest.fixture
def development(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PILOTZONE_ENV", "development")
    monkeypatch.setenv("PILOTZONE_DATA_DIR", str(tmp_path / "data"))
    reload_settings()
    yield tmp_path / "data" / "mail"
    monkeypatch.undo()
    reload_settings()


async def test_dev_mail_lists_and_shows_the_sinks_mail(development: Path, owner) -> None:
    from pilotzone.embedded import MailSink

    assert DevMailController not in routes.ROUTES  # the test run is not development
    sink = MailSink(development)
    sink.start()
    try:
        settings = get_settings().with_overrides(smtp_host="127.0.0.1", smtp_port=sink.port)
        send_email(
            settings, "newcomer@example.cn", "欢迎使用综试通", "请打开 http://127.0.0.1:8000/invite/abc"
        )
    finally:
        sink.stop()
    async with AsyncTestClient(
        app=create_app(extra_routes=[DevMailController]), base_url="http://testserver.local"
    ) as client:
        listing = await client.get("/dev/mail/")
        assert (
            listing.status_code == 200
            and "欢迎使用综试通" in listing.text
            and "newcomer@example.cn" in listing.text
        )
        (name,) = re.findall(r'href="([^"/]+\.eml)"', listing.text)
        one = await client.get(f"/dev/mail/{name}")
        assert one.status_code == 200 and "http://127.0.0.1:8000/invite/abc" in one.text
        assert (await client.get("/dev/mail/..%2F..%2Fsecret.eml")).status_code == 404


async def test_dev_mail_is_not_found_outside_development(owner) -> None:
    async with AsyncTestClient(
        app=create_app(extra_routes=[DevMailController]), base_url="http://testserver.local"
    ) as client:
        assert (await client.get("/dev/mail/")).status_code == 404
