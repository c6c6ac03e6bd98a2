"""Periodic runs: a package declares which of its job kinds are due when (``PERIODIC`` in its
``actors.py``); ``pilotzone.schedule`` (the composition root) starts them through the ordinary outbox."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pilotzone.jobs.tables import JobRun


@dataclass(frozen=True)
class Periodic:
    kind: str  # the job kind, as in job_run.kind
    due: Callable[[JobRun | None, datetime], bool]  # given the latest run of that kind (or None) and now
    start: Callable[[datetime], Awaitable[JobRun]]
    # optional: started only when this also says so (in the tenant's transaction), e.g. work is owed
    wanted: Callable[[datetime], Awaitable[bool]] | None = None


def every(interval: timedelta) -> Callable[[JobRun | None, datetime], bool]:
    def due(last: JobRun | None, now: datetime) -> bool:
        return last is None or last.created_at <= now - interval

    return due


def moment_of(run: JobRun) -> datetime:
    """The moment a periodic run works for: its ``at`` argument (the scheduler's tick, or a test's),
    else now."""
    args = json.loads(run.args) if isinstance(run.args, str) else dict(run.args or {})
    at = args.get("at")
    return datetime.fromisoformat(at) if at else datetime.now(UTC)
