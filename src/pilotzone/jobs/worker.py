"""Worker start-up: re-send unfinished runs; an in-process worker for the embedded run and tests."""

from __future__ import annotations

import logging

import dramatiq
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.middleware import Middleware

from pilotzone.settings import ServiceUnavailable

log = logging.getLogger(__name__)


class RecoveryMiddleware(Middleware):
    """After a worker boots, every queued or running job run is sent again (outbox recovery)."""

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        import pilotzone.jobs.actors  # noqa: F401 - every job kind must be known before recovery
        from pilotzone.jobs.services import recover_unfinished

        try:
            count = get_event_loop_thread().run_coroutine(recover_unfinished())
        except ServiceUnavailable as exc:  # one line: the command itself reports it too
            log.warning("could not recover unfinished job runs: %s", exc)
            return
        except Exception:
            log.exception("could not recover unfinished job runs")
            return
        if count:
            log.info("re-sent %s unfinished job runs", count)


class InProcessWorker:
    """A Dramatiq worker in this process (StubBroker or Redis); actors run on its own event loop,
    which gets its own database pool."""

    def __init__(self, threads: int = 2) -> None:
        import pilotzone.jobs.actors  # noqa: F401
        from pilotzone.jobs.broker import broker

        self.worker = dramatiq.Worker(broker, worker_threads=threads)
        self.worker.start()

    def stop(self) -> None:
        self.worker.stop()
