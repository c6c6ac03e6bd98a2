"""The stand-ins for the outside world of the notify tests: a real SMTP server (aiosmtpd, through
``pilotzone.embedded.MailSink``: each mail an ``.eml`` file) and a real HTTP server standing in for
the SMS gateway (``http.server`` in a thread), whose answer status a test may change."""

from __future__ import annotations

import email
import email.policy
import json
import threading
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


def mails(directory: Path) -> list[EmailMessage]:
    """Every mail the sink in ``directory`` received, oldest first."""
    found = []
    for path in sorted(directory.glob("*.eml")):
        parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        found.append(parsed)
    return found


def mails_to(directory: Path, address: str) -> list[EmailMessage]:
    return [m for m in mails(directory) if m["To"] == address]


def text_of(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    return part.get_content()  # type: ignore[attr-defined]


class SmsGateway:
    """``POST /send`` records the request (headers, JSON body) and answers ``status``."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.status = 200
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's hook name
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if gateway.status < 300:
                    gateway.received.append(
                        {"path": self.path, "headers": dict(self.headers), "body": json.loads(raw)}
                    )
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}' if gateway.status < 300 else b'{"error": "down"}')

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def to(self, phone: str) -> list[dict[str, Any]]:
        return [r["body"] for r in self.received if r["body"]["to"] == phone]
