"""The Piccolo engine and the one transaction that every request and job runs in.

* One engine object (Piccolo tables bind to it at import time), but **one asyncpg pool per event
  loop**: the web server's loop and the Dramatiq worker's loop each get their own pool, so an
  in-process worker never touches a connection that belongs to another loop.
* The DSN is resolved when a connection is made: the application role (RLS-bound) by default, the
  owner role only inside :func:`owner_role` (migrations).
* :func:`transaction` opens the transaction, applies ``set_config`` settings transaction-locally and
  runs the callbacks registered with :func:`on_commit` after a successful commit (the job outbox).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import os
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction

from pilotzone.settings import ServiceUnavailable, get_settings

log = logging.getLogger(__name__)
_use_owner: contextvars.ContextVar[bool] = contextvars.ContextVar("pilotzone_db_owner", default=False)
_on_commit: contextvars.ContextVar[list[Callable[[], Awaitable[None]]] | None] = contextvars.ContextVar(
    "pilotzone_on_commit", default=None
)


class _Lease:
    """A pooled connection a request keeps between its global lookups and its transaction."""

    __slots__ = ("connection",)

    def __init__(self) -> None:
        self.connection: PoolConnectionProxy | None = None


_lease: contextvars.ContextVar[_Lease | None] = contextvars.ContextVar("pilotzone_db_lease", default=None)


class TransactionRequired(RuntimeError):
    """Raised when code that needs the request/job transaction runs outside one."""


class DatabaseUnavailable(ServiceUnavailable):
    """PostgreSQL cannot be reached (refused, unknown host, timed out, shutting down)."""

    service = "database"


_UNREACHABLE = (OSError, asyncio.TimeoutError, asyncpg.CannotConnectNowError)


def _unavailable(dsn: str, exc: BaseException) -> DatabaseUnavailable:
    parts = urlsplit(dsn)
    where = f"{parts.hostname or 'localhost'}:{parts.port or 5432}"
    errno = getattr(exc, "errno", None)
    reason = os.strerror(errno) if errno else str(exc) or type(exc).__name__
    return DatabaseUnavailable(f"PostgreSQL at {where} is not reachable ({reason}); check DATABASE_URL")


class LoopPoolEngine(PostgresEngine):
    """PostgresEngine with a pool per running event loop and a DSN resolved at connect time."""

    def __init__(self) -> None:
        self._pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncpg.Pool] = (
            weakref.WeakKeyDictionary()
        )
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        super().__init__(config={}, extensions=())

    @property
    def pool(self) -> asyncpg.Pool | None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return None
        return self._pools.get(loop)

    @pool.setter
    def pool(self, value: asyncpg.Pool | None) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # PostgresEngine.__init__ sets None outside any loop
        if value is None:
            self._pools.pop(loop, None)
        else:
            self._pools[loop] = value

    def connect_config(self) -> dict[str, Any]:
        settings = get_settings()
        dsn = settings.owner_dsn() if _use_owner.get() else settings.app_dsn()
        return {"dsn": dsn, "server_settings": {"application_name": "pilotzone"}}

    async def get_new_connection(self) -> asyncpg.Connection:
        config = self.connect_config()
        try:
            return await asyncpg.connect(**config)
        except _UNREACHABLE as exc:
            raise _unavailable(config["dsn"], exc) from exc

    async def start_connection_pool(self, **kwargs: Any) -> None:
        loop = asyncio.get_running_loop()
        lock = self._locks.setdefault(loop, asyncio.Lock())
        async with lock:  # concurrent first requests on one loop must share one pool
            if self.pool is not None:
                return
            settings = get_settings()
            config = self.connect_config()
            try:
                self.pool = await asyncpg.create_pool(
                    **config,
                    min_size=kwargs.get("min_size", settings.db_pool_min),
                    max_size=kwargs.get("max_size", settings.db_pool_max),
                    reset=_keep_session,
                )
            except _UNREACHABLE as exc:
                raise _unavailable(config["dsn"], exc) from exc

    async def close_connection_pool(self) -> None:
        pool = self.pool
        if pool is not None:
            self.pool = None
            await pool.close()

    async def get_version(self) -> float:
        return 16.0

    async def prep_database(self) -> None:
        return None


async def _keep_session(connection: asyncpg.Connection) -> None:
    """Released connections skip asyncpg's ``RESET ALL; UNLISTEN *; …`` round trip: asyncpg still rolls
    back an open transaction first, and everything this app sets is transaction-local (``set_config(…,
    true)``, ``SET LOCAL ROLE``, ``pg_advisory_xact_lock``), so nothing outlives a transaction anyway.
    (tests/integration/tenancy/test_rls.py checks that a pooled connection keeps no tenant.)"""


DB = LoopPoolEngine()


@contextlib.contextmanager
def owner_role() -> Any:
    """Connections made inside this block use the owner DSN (migrations, test set-up)."""
    if DB.pool is not None:
        raise RuntimeError("owner_role() needs a loop without the application pool")
    token = _use_owner.set(True)
    try:
        yield
    finally:
        _use_owner.reset(token)


async def ensure_pool() -> None:
    """Start the pool of the running loop if it is not running yet (worker loops start lazily)."""
    if DB.pool is None:
        await DB.start_connection_pool()


async def warm_pool() -> None:
    """App start-up: open the pool now; a database that is down is not fatal (``/readyz`` reports it,
    pages answer 503 until it is back)."""
    try:
        await ensure_pool()
    except DatabaseUnavailable as exc:
        log.warning("database not reachable at start-up: %s", exc)


def current_transaction() -> PostgresTransaction:
    tx = DB.current_transaction.get()
    if tx is None:
        raise TransactionRequired("no transaction is active; run inside the request or job transaction")
    return tx


async def commit_now() -> None:
    """Commit the current top-level transaction before the response leaves (idempotent).

    A client that follows a redirect must find what this request wrote; after this, the request runs
    no more queries (a later query would find no tenant setting: fail closed)."""
    tx = DB.current_transaction.get()
    if tx is not None and not tx._committed and not tx._rolled_back:
        await tx.commit()


def on_commit(callback: Callable[[], Awaitable[None]]) -> None:
    """Run ``callback`` after the current transaction commits (dropped on rollback)."""
    hooks = _on_commit.get()
    if hooks is None:
        raise TransactionRequired("on_commit() needs the request or job transaction")
    hooks.append(callback)


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class _ConfiguredTransaction(PostgresTransaction):
    """BEGIN and the ``set_config`` calls in one round trip (simple query protocol), then Piccolo's
    usual bookkeeping: every query inside uses this connection, savepoints work as before. The
    connection is the one the request leased for its session lookup (:func:`one_connection`), if any:
    the transaction takes it over and returns it to the pool at its end, as one it acquired."""

    __slots__ = ("_begin_sql",)

    def __init__(self, engine: PostgresEngine, settings: dict[str, str]) -> None:
        super().__init__(engine=engine, allow_nested=False)
        calls = ", ".join(f"set_config({_literal(k)}, {_literal(v)}, true)" for k, v in settings.items())
        self._begin_sql = "BEGIN" + (f"; SELECT {calls}" if calls else "")

    async def __aenter__(self) -> PostgresTransaction:
        lease = _lease.get()
        if lease is not None and lease.connection is not None:
            self.connection, lease.connection = lease.connection, None  # taken over: released below
        else:
            self.connection = await self.get_connection()
        try:
            await self.begin()
        except BaseException:
            await self._release()
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        try:
            if exception is not None:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            await self._release()
            self.engine.current_transaction.reset(self.context)
        return exception is None

    async def _release(self) -> None:
        if self.engine.pool:
            await self.engine.pool.release(self.connection)
        else:
            await self.connection.close()

    async def begin(self) -> None:
        await self.connection.execute(self._begin_sql)

    async def commit(self) -> None:
        await self.connection.execute("COMMIT")
        self._committed = True

    async def rollback(self) -> None:
        await self.connection.execute("ROLLBACK")
        self._rolled_back = True


@contextlib.asynccontextmanager
async def transaction(settings: dict[str, str]) -> AsyncIterator[PostgresTransaction]:
    """One top-level transaction with transaction-local ``set_config`` values; never nested."""
    if DB.current_transaction.get() is not None:
        raise RuntimeError("a transaction is already active; tenancy is set once per entry point")
    await ensure_pool()  # a pool started mid-transaction would be handed a foreign connection
    hooks: list[Callable[[], Awaitable[None]]] = []
    token = _on_commit.set(hooks)
    try:
        async with _ConfiguredTransaction(DB, settings) as tx:
            yield tx
    finally:
        _on_commit.reset(token)
    for hook in hooks:
        try:
            await hook()
        except Exception:  # the data is committed; an unsent message is re-sent at worker start
            log.exception("after-commit callback failed")


async def set_local(settings: dict[str, str]) -> None:
    """``set_config(name, value, true)`` for each pair: local to the current transaction."""
    if not settings:
        return
    names = list(settings)
    sql = "SELECT " + ", ".join(f"set_config(${2 * i + 1}, ${2 * i + 2}, true)" for i in range(len(names)))
    args: list[str] = []
    for name in names:
        args += [name, settings[name]]
    await current_transaction().connection.execute(sql, *args)


def contains(text: str) -> str:
    """An ILIKE pattern matching ``text`` anywhere, with the caller's ``%``, ``_`` and ``\\`` taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def fetch_global(sql: str, *args: Any) -> list[asyncpg.Record]:
    """One autocommit query outside any tenant transaction, for global tables only (sessions)."""
    if DB.current_transaction.get() is not None:
        raise RuntimeError("fetch_global() runs outside the request transaction")
    await ensure_pool()
    pool = DB.pool
    assert pool is not None
    lease = _lease.get()
    if lease is None:
        async with pool.acquire() as conn:
            return await conn.fetch(sql, *args)
    if lease.connection is None:
        lease.connection = await pool.acquire()
    return await lease.connection.fetch(sql, *args)


@contextlib.asynccontextmanager
async def one_connection() -> AsyncIterator[None]:
    """Inside this block :func:`fetch_global` keeps the connection it acquires and the next
    :func:`transaction` runs on it: a request's session lookup and its transaction cost one pool
    acquire and release instead of two. (Nothing outlives a query or transaction on a connection:
    autocommit, and only transaction-local settings; see ``_keep_session``.) A connection no
    transaction took is released at the end of the block. Between the lookup and the transaction
    the request must not acquire another pooled connection (it would wait for one while holding
    one: with every connection leased that is a deadlock), so global reads there go through
    :func:`fetch_global` too (the tenant lookup does)."""
    lease = _Lease()
    token = _lease.set(lease)
    try:
        yield
    finally:
        _lease.reset(token)
        if lease.connection is not None:
            connection, lease.connection = lease.connection, None
            pool = DB.pool
            if pool is not None:
                await pool.release(connection)
            else:
                connection.terminate()


async def fetch(sql: str, *args: Any) -> list[asyncpg.Record]:
    """Raw SQL on the current transaction's connection (RLS applies)."""
    return await current_transaction().connection.fetch(sql, *args)
