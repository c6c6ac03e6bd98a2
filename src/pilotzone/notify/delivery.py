"""Sending the deliveries that ``emit`` recorded: a job step (kind ``notify_delivery``) started by emit
through the job outbox, and every minute by the scheduler (retries; deliveries whose first send was
lost). Each pass claims due deliveries with ``FOR UPDATE SKIP LOCKED`` (two workers never send the same
one), sends each, records the attempt and, in the same transaction, marks it sent, or schedules the next
attempt after ``NOTIFY_RETRY_DELAYS`` (failed after the last)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from pilotzone import db
from pilotzone.jobs.codes import JobKind
from pilotzone.jobs.services import job
from pilotzone.jobs.tables import JobRun
from pilotzone.notify.channels import SendFailed, send_email, send_sms
from pilotzone.notify.codes import Channel, DeliveryStatus, Outcome
from pilotzone.settings import get_settings

KIND = JobKind.NOTIFY_DELIVERY
BATCH = 20  # × SMTP_TIMEOUT (10 s) stays well inside Dramatiq's 10-minute time limit when a server hangs

_CLAIM = """
SELECT d.id, d.channel, d.address, d.attempts, m.subject, m.body
  FROM notify_delivery d JOIN notify_message m ON m.tenant_id = d.tenant_id AND m.id = d.message
 WHERE d.status = 'pending' AND d.next_at <= $1
 ORDER BY d.next_at, d.id
 LIMIT $2
   FOR UPDATE OF d SKIP LOCKED
"""
_ATTEMPT = """
INSERT INTO notify_attempt (tenant_id, delivery, at, outcome, error)
VALUES (NULLIF(current_setting('app.tenant_id', true), '')::int, $1, $2, $3, $4)
"""
_SENT = "UPDATE notify_delivery SET status = 'sent', attempts = attempts + 1, last_error = '', sent_at = $2 WHERE id = $1"
_FAILED = "UPDATE notify_delivery SET status = $2, attempts = attempts + 1, last_error = $3, next_at = $4 WHERE id = $1"


def _send(channel: str, address: str, subject: str, body: str) -> None:
    settings = get_settings()
    if channel == Channel.EMAIL:
        send_email(settings, address, subject, body)
    else:
        send_sms(settings, address, f"{subject}: {body}" if body else subject)


async def deliver_due(now: datetime | None = None, limit: int = BATCH) -> int:
    """Send the current tenant's deliveries due at ``now`` (tests pass a later ``now`` to skip the
    back-off); returns how many were claimed."""
    now = now or datetime.now(UTC)
    delays = get_settings().notify_retry_delays
    claimed = await db.fetch(_CLAIM, now, limit)
    for row in claimed:
        try:
            await asyncio.to_thread(_send, row["channel"], row["address"], row["subject"], row["body"])
        except (SendFailed, OSError) as exc:
            error = str(exc)[:1000]
            attempt = row["attempts"] + 1  # the attempt just made
            if attempt > len(delays):
                status, next_at = DeliveryStatus.FAILED, now
            else:
                status, next_at = DeliveryStatus.PENDING, now + timedelta(seconds=delays[attempt - 1])
            await db.fetch(_ATTEMPT, row["id"], now, Outcome.ERROR.value, error)
            await db.fetch(_FAILED, row["id"], status.value, error, next_at)
            continue
        await db.fetch(_ATTEMPT, row["id"], now, Outcome.SENT.value, "")
        await db.fetch(_SENT, row["id"], datetime.now(UTC))
    return len(claimed)


@job(KIND)
async def delivery_step(run: JobRun) -> bool:
    claimed = await deliver_due()
    run.done += claimed
    return claimed < BATCH  # a full batch: more may be due, the next step takes them
