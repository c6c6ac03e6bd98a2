"""Messages (the in-app inbox), their deliveries by email or SMS with every attempt, each user's channel
choices and a tenant's own texts. All tenant tables (RLS); keys are declared here (``keys``)."""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from pilotzone.auth.tables import User
from pilotzone.db import DB
from pilotzone.notify.codes import Channel, DeliveryStatus, Outcome
from pilotzone.notify.events import Event
from pilotzone.tenancy.tables import Index, TenantTable, Unique


class NotifyMessage(TenantTable, db=DB, tablename="notify_message"):
    """One message to one recipient, rendered in the recipient's language when it was emitted. A
    recipient is a user, or (an invitation) only an email address."""

    recipient = ForeignKey(User, null=True, default=None, on_delete=OnDelete.cascade)
    email = Varchar(length=254, default="")  # a recipient without a user account (invitations)
    event = Varchar(length=40, choices=Event)
    locale = Varchar(length=10, default="zh_CN")
    subject = Varchar(length=300)
    body = Text(default="")
    link = Varchar(length=500, default="")  # where the message leads (a path, or a full URL)
    key = Varchar(length=200, null=True, default=None)  # the emitter's idempotency key
    read_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())

    keys = (
        # the same key never gives the same recipient a second message (emit is idempotent)
        Unique("notify_message_key", ("key", "coalesce(recipient, 0)", "email"), where="key IS NOT NULL"),
        Index("notify_message_inbox", ("tenant_id", "recipient", "id DESC")),
        Index("notify_message_unread", ("tenant_id", "recipient"), where="read_at IS NULL"),
    )


class NotifyDelivery(TenantTable, db=DB, tablename="notify_delivery"):
    """A message owed on one extra channel; claimed with FOR UPDATE SKIP LOCKED when due, marked sent
    in the transaction that records the successful attempt."""

    message = ForeignKey(NotifyMessage, null=False, on_delete=OnDelete.cascade)
    channel = Varchar(length=10, choices=Channel)
    address = Varchar(length=254)  # the email address or phone number, as it was at emit time
    status = Varchar(length=10, default=DeliveryStatus.PENDING, choices=DeliveryStatus)
    attempts = Integer(default=0)
    last_error = Text(default="")
    next_at = Timestamptz(default=TimestamptzNow())  # due from then (retries back off)
    sent_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())

    keys = (
        Unique("notify_delivery_channel", ("message", "channel")),
        Index("notify_delivery_due", ("tenant_id", "next_at"), where="status = 'pending'"),
    )


class NotifyAttempt(TenantTable, db=DB, tablename="notify_attempt"):
    """Every attempt of a delivery, successful or not."""

    delivery = ForeignKey(NotifyDelivery, null=False, on_delete=OnDelete.cascade)
    at = Timestamptz(default=TimestamptzNow())
    outcome = Varchar(length=10, choices=Outcome)
    error = Text(default="")

    keys = (Index("notify_attempt_delivery", ("tenant_id", "delivery")),)


class NotifyPreference(TenantTable, db=DB, tablename="notify_preference"):
    """A user's channels for one event (no row: the defaults of ``events.EMAIL_BY_DEFAULT``)."""

    user = ForeignKey(User, null=False, on_delete=OnDelete.cascade)
    event = Varchar(length=40, choices=Event)
    email = Boolean(default=True)
    sms = Boolean(default=False)

    keys = (Unique("notify_preference_user_event", ("user", "event")),)


class NotifyText(TenantTable, db=DB, tablename="notify_text"):
    """A tenant's own subject and body of an event (``[notify.texts.<event>]`` in its TOML, written by
    ``tenants sync``); an empty field keeps the built-in text."""

    event = Varchar(length=40, choices=Event)
    subject_zh = Varchar(length=300, default="")
    body_zh = Text(default="")
    subject_en = Varchar(length=300, default="")
    body_en = Text(default="")

    keys = (Unique("notify_text_event", ("event",)),)
