"""Worker side of the outbox: re-send what was recorded but not sent, while the worker runs; an
in-process worker for the embedded run and tests.

Importing this module adds :class:`RecoveryMiddleware` to the broker: every worker process imports it
(``pilotzone.actors``, the module ``pilotzone worker`` hands to Dramatiq, does). This package knows no
job kind: the process that starts a worker imports the actors first (the composition root does)."""

from __future__ import annotations

import logging
import threading

import dramatiq
from dramatiq.middleware import Middleware

from pilotzone.jobs.broker import broker, running_loop_thread
from pilotzone.jobs.services import recover_unfinished, resend_unsent
from pilotzone.settings import ServiceUnavailable, get_settings

log = logging.getLogger(__name__)


class RecoveryMiddleware(Middleware):
    """Each worker re-sends job runs in a background thread: every unfinished run once it has booted
    (a message may have died with a worker), then every ``JOB_RESEND_INTERVAL`` seconds the runs
    that were recorded but never reached the broker (it was down, or a process died before sending).

    Boot does not wait for it, and a stopping worker stops it first: a broker that is down never holds
    up start-up or SIGTERM for longer than one bounded send (``REDIS_TIMEOUT``)."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.recovered = threading.Event()  # the first pass (every unfinished run) is over

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        self._stop, self.recovered = threading.Event(), threading.Event()
        self._thread = threading.Thread(
            target=self._loop,
            args=(self._stop, get_settings().job_resend_interval),
            name="pilotzone-resend",
            daemon=True,
        )
        self._thread.start()

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2 * get_settings().redis_timeout + 2)
            self._thread = None

    def _loop(self, stop: threading.Event, interval: float) -> None:
        first = True
        while not stop.is_set():
            task, what = (recover_unfinished, "unfinished") if first else (resend_unsent, "unsent")
            try:
                count = running_loop_thread().run_coroutine(task(stop))
            except ServiceUnavailable as exc:  # one line: the database is down, tried again next time
                log.warning("could not re-send %s job runs: %s", what, exc)
            except Exception:
                log.exception("could not re-send %s job runs", what)
            else:
                first = False
                if count:
                    log.info("re-sent %s %s job runs", count, what)
            self.recovered.set()  # tried at least once (a failure is logged and retried)
            stop.wait(interval)


class InProcessWorker:
    """A Dramatiq worker in this process (StubBroker or Redis); actors run on its own event loop,
    which gets its own database pool. It processes the job kinds declared in this process: import the
    actors first (``pilotzone.actors`` declares them all)."""

    def __init__(self, threads: int = 2) -> None:
        self.worker = dramatiq.Worker(broker, worker_threads=threads)
        self.worker.start()
        for middleware in broker.middleware:  # started means: what was unfinished has been re-sent
            if isinstance(middleware, RecoveryMiddleware):
                middleware.recovered.wait(timeout=10)

    def stop(self) -> None:
        self.worker.stop()


if not any(isinstance(m, RecoveryMiddleware) for m in broker.middleware):
    broker.add_middleware(RecoveryMiddleware())
