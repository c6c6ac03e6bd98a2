"""``/dev/mail``: the mails the embedded SMTP sink kept (``<data dir>/mail/*.eml``), for a newcomer
running ``pilotzone serve`` without SMTP_HOST. Development only: the route exists only when
PILOTZONE_ENV=development (``routes.py``) and answers 404 otherwise."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from pathlib import Path

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from pilotzone.auth.guards import PUBLIC, allow
from pilotzone.settings import get_settings
from pilotzone.web.render import render

_NAME = re.compile(r"^[0-9A-Za-z_.-]+\.eml$")


def mail_dir() -> Path:
    return get_settings().data_dir / "mail"


def _read(path: Path) -> EmailMessage:
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _text(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    return str(part.get_content()) if part is not None else ""


def _development() -> None:
    if get_settings().env != "development":
        raise NotFoundException()


class DevMailController(Controller):
    path = "/dev/mail"

    @get("/", name="dev_mail", opt=allow(PUBLIC))
    async def mails(self, request: Request) -> Template:
        _development()
        folder = mail_dir()
        files = sorted(folder.glob("*.eml"), reverse=True)[:200] if folder.is_dir() else []
        rows = []
        for path in files:
            mail = _read(path)
            rows.append(
                {"name": path.name, "subject": mail["Subject"], "to": mail["To"], "date": mail["Date"]}
            )
        return render(request, "notify/dev_mail.html", {"mails": rows, "folder": str(folder)})

    @get("/{name:str}", name="dev_mail_message", opt=allow(PUBLIC))
    async def mail(self, request: Request, name: FromPath[str]) -> Template:
        _development()
        path = mail_dir() / name
        if not _NAME.match(name) or not path.is_file():
            raise NotFoundException()
        mail = _read(path)
        return render(
            request,
            "notify/dev_mail_message.html",
            {
                "mail": {
                    "subject": mail["Subject"],
                    "to": mail["To"],
                    "from": mail["From"],
                    "date": mail["Date"],
                    "text": _text(mail),
                }
            },
        )
