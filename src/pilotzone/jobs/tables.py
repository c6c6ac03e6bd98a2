"""Job runs: written before the message is sent (outbox), updated by the actor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from piccolo.columns import JSONB, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from pilotzone.db import DB
from pilotzone.jobs.codes import JobKind, JobStatus
from pilotzone.tenancy.tables import Index, TenantTable

UNFINISHED = (JobStatus.QUEUED, JobStatus.RUNNING)
# a message owed this long without the broker confirming it counts as not sent (the after-commit send
# of a live process takes milliseconds; a failed one says so at once through send_error)
SEND_GRACE = timedelta(seconds=10)


class JobRun(TenantTable, db=DB):
    kind = Varchar(length=60, choices=JobKind)
    actor = Varchar(length=100)
    args = JSONB(default={})
    status = Varchar(length=20, default=JobStatus.QUEUED, choices=JobStatus)  # → running → done | failed
    total = Integer(default=0)
    done = Integer(default=0)
    error = Text(default="")
    attempts = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    enqueued_at = Timestamptz(null=True, default=None)  # the broker last confirmed a message of this run
    started_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)
    # the outbox: set (in the transaction that records the work) while a message is owed, cleared once
    # the broker took it; its value is the token of that one message
    send_due = Timestamptz(null=True, default=None)
    send_error = Text(default="")  # why the last send failed ("" when it did not)

    keys = (
        Index("job_run_tenant_status", ("tenant_id", "status")),
        # the re-sender's scan: runs whose message is owed (few rows)
        Index("job_run_unsent", ("tenant_id", "send_due"), where="send_due IS NOT NULL"),
    )

    @property
    def unsent(self) -> bool:
        """Recorded but not handed to the broker: the run waits for the job service."""
        if self.status not in UNFINISHED or self.send_due is None:
            return False
        return bool(self.send_error) or self.send_due < datetime.now(UTC) - SEND_GRACE
