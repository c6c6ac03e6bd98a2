"""Stored codes of the notify tables (CHECK constraints in ``migrations/notify/…_raw.py``)."""

from __future__ import annotations

from pilotzone.codes import Coded


class Channel(Coded):
    EMAIL = "email", "电子邮件", "Email"
    SMS = "sms", "短信", "SMS"


class DeliveryStatus(Coded):
    """pending → sent | failed (after the last retry)"""

    PENDING = "pending", "待发送", "Pending"
    SENT = "sent", "已发送", "Sent"
    FAILED = "failed", "发送失败", "Failed"


class Outcome(Coded):
    SENT = "sent", "成功", "Sent"
    ERROR = "error", "出错", "Error"
