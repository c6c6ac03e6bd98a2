"""The two extra channels: email over SMTP (stdlib ``smtplib``) and SMS through an HTTP gateway
(``SMS_GATEWAY_URL``, body from the ``SMS_GATEWAY_BODY`` template). Both block: call them in a thread.
A failure raises :class:`SendFailed` with a one-line reason."""

from __future__ import annotations

import json
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import httpx

from pilotzone.settings import Settings


class SendFailed(RuntimeError):
    pass


def send_email(settings: Settings, to: str, subject: str, body: str) -> None:
    if not settings.smtp_host:
        raise SendFailed("SMTP_HOST is not set")
    mail = EmailMessage()
    mail["From"] = settings.mail_from
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain="pilotzone")
    mail.set_content(body)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password or "")
            smtp.send_message(mail)
    except (OSError, smtplib.SMTPException) as exc:
        raise SendFailed(f"SMTP {settings.smtp_host}:{settings.smtp_port}: {exc}") from exc


def _escaped(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]  # a JSON string's inside, without its quotes


def sms_body(template: str, phone: str, text: str) -> str:
    """``SMS_GATEWAY_BODY`` with ``{phone}`` and ``{text}`` replaced by their JSON-escaped values."""
    return template.replace("{phone}", _escaped(phone)).replace("{text}", _escaped(text))


def send_sms(settings: Settings, phone: str, text: str) -> None:
    if not settings.sms_gateway_url:
        raise SendFailed("SMS_GATEWAY_URL is not set")
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if settings.sms_gateway_token:
        headers["Authorization"] = f"Bearer {settings.sms_gateway_token}"
    try:
        answer = httpx.post(
            settings.sms_gateway_url,
            content=sms_body(settings.sms_gateway_body, phone, text).encode(),
            headers=headers,
            timeout=settings.smtp_timeout,
        )
    except httpx.HTTPError as exc:
        raise SendFailed(f"SMS gateway: {exc}") from exc
    if answer.status_code >= 300:
        raise SendFailed(f"SMS gateway answered {answer.status_code}: {answer.text[:200]}")
