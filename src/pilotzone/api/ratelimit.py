"""The per-client rate limit: a fixed window (``API_RATE_WINDOW`` seconds) of ``API_RATE_LIMIT``
requests, counted in Redis (``INCR`` + ``EXPIRE`` in one round trip) so that every process of a
deployment shares it; without ``REDIS_URL`` (the embedded single process) a counter in memory.
If Redis cannot be reached the request is let through (logged): the limit protects, it is not a lock."""

from __future__ import annotations

import asyncio
import logging
import math
import time
import weakref
from dataclasses import dataclass

import redis.asyncio as aioredis

from pilotzone.settings import get_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # seconds until the window ends


_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aioredis.Redis] = weakref.WeakKeyDictionary()
_memory: dict[str, int] = {}


def _redis() -> aioredis.Redis | None:
    settings = get_settings()
    if not settings.redis_url:
        return None
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None:
        client = aioredis.Redis.from_url(
            settings.redis_url, socket_connect_timeout=settings.redis_timeout, socket_timeout=settings.redis_timeout
        )
        _clients[loop] = client
    return client


async def hit(client: int, now: float | None = None) -> Verdict:
    """Count one request of ``client`` (an api_client id) and say whether it is within the limit."""
    settings = get_settings()
    limit, window = settings.api_rate_limit, max(1, settings.api_rate_window)
    moment = time.time() if now is None else now
    start = int(moment // window) * window
    retry_after = max(1, math.ceil(start + window - moment))
    key = f"{settings.dramatiq_namespace}:api-rate:{client}:{start}"
    redis = _redis()
    if redis is None:
        if len(_memory) > 10_000:
            _memory.clear()
        count = _memory[key] = _memory.get(key, 0) + 1
    else:
        try:
            async with redis.pipeline(transaction=False) as pipe:
                pipe.incr(key)
                pipe.expire(key, window + 1)
                count, _ = await pipe.execute()
        except (aioredis.RedisError, OSError) as exc:
            log.warning("rate limit not counted (Redis): %s", exc)
            return Verdict(True, limit, limit, retry_after)
    return Verdict(count <= limit, limit, max(0, limit - count), retry_after)
