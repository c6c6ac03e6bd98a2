"""The Dramatiq broker, built from settings on first import (before any actor is declared).

Redis when ``REDIS_URL`` is set, otherwise a StubBroker that an in-process worker drains.
:class:`TenantMiddleware` re-enters the tenant context and the transaction for each message.
"""

from __future__ import annotations

import functools
import threading
from inspect import iscoroutinefunction
from typing import Any

import dramatiq
import redis
from dramatiq.asyncio import EventLoopThread, get_event_loop_thread
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AsyncIO, Middleware
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from pilotzone import db
from pilotzone.settings import Settings, get_settings
from pilotzone.tenancy.context import TenantContext, TenantRequired, tenant_transaction


def running_loop_thread() -> EventLoopThread:
    """The event loop thread of dramatiq's AsyncIO middleware (which build_broker installs)."""
    thread = get_event_loop_thread()
    if thread is None:
        raise RuntimeError("dramatiq's AsyncIO middleware has not started its event loop thread")
    return thread


_slugs: dict[int, str] = {}


async def slug_of(tenant_id: int) -> str | None:
    """The tenant's slug, for links a job writes (messages); read once per process and tenant."""
    if tenant_id not in _slugs:
        rows = await db.fetch_global("SELECT slug FROM tenant WHERE id = $1", tenant_id)
        if not rows:
            return None
        _slugs[tenant_id] = rows[0]["slug"]
    return _slugs[tenant_id]


class TenantMiddleware(Middleware):
    """Every actor body runs inside ``tenant_transaction`` for the message's ``tenant_id`` option.

    A message without ``tenant_id`` fails (fail closed). The message carries ids only.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def before_process_message(self, broker: dramatiq.Broker, message: Any) -> None:
        self._local.tenant_id = message.options.get("tenant_id")

    def after_process_message(
        self, broker: dramatiq.Broker, message: Any, *, result: Any = None, exception: Any = None
    ) -> None:
        self._local.tenant_id = None

    after_skip_message = after_process_message

    def after_declare_actor(self, broker: dramatiq.Broker, actor: dramatiq.Actor) -> None:
        original = getattr(actor.fn, "__wrapped__", None)
        if original is None or not iscoroutinefunction(original):
            raise TypeError(f"actor {actor.actor_name} must be declared with async def")
        local = self._local

        async def in_tenant(tenant_id: int, args: tuple, kwargs: dict) -> Any:
            async with tenant_transaction(TenantContext(int(tenant_id), await slug_of(int(tenant_id)))):
                return await original(*args, **kwargs)

        @functools.wraps(original)
        def run(*args: Any, **kwargs: Any) -> Any:
            tenant_id = getattr(local, "tenant_id", None)
            if tenant_id is None:
                raise TenantRequired(f"message for {actor.actor_name} carries no tenant_id")
            return running_loop_thread().run_coroutine(in_tenant(tenant_id, args, kwargs))

        actor.fn = run


def build_broker(settings: Settings) -> dramatiq.Broker:
    if settings.redis_url:
        # fail fast when Redis is down: bounded connect/read waits and one quick retry (redis-py's
        # default backs off for seconds per command, which held a stopping worker for half a minute)
        client = redis.Redis.from_url(
            settings.redis_url,
            socket_connect_timeout=settings.redis_timeout,
            socket_timeout=settings.redis_timeout,
            retry=Retry(ExponentialBackoff(cap=0.5, base=0.1), 1),
        )
        broker: dramatiq.Broker = RedisBroker(client=client, namespace=settings.dramatiq_namespace)
    else:
        broker = StubBroker()
    broker.add_middleware(AsyncIO())
    broker.add_middleware(TenantMiddleware())
    return broker  # pilotzone.jobs.worker adds its RecoveryMiddleware: worker processes import it


broker = build_broker(get_settings())
dramatiq.set_broker(broker)


def send(actor: dramatiq.Actor, tenant_id: int, *args: Any, delay_ms: int | None = None) -> None:
    """Send a message for ``tenant_id`` (use :func:`pilotzone.jobs.services.start_run` from app code)."""
    actor.send_with_options(args=args, tenant_id=tenant_id, delay=delay_ms)


def ping() -> bool:
    """Broker reachability for /readyz."""
    client = getattr(broker, "client", None)
    if client is None:
        return True
    return bool(client.ping())
