"""Async engines for PostgreSQL (pooled) and SQLite (WAL, queued writers)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import weakref
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from hub.db import _sqlite_driver
from hub.db.types import json_dumps

SQLITE_BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite writer waits for the write lock before giving up."""

BEGIN_OPTION = "hub_sqlite_begin"
"""Execution option choosing how a SQLite transaction begins: DEFERRED (default) or IMMEDIATE.

Write transactions (`begin_write`, a unit of work's writer, migrations) ask for IMMEDIATE: it
takes the write lock at BEGIN, so a transaction that reads and then writes can never fail
half-way with "database is locked" (a deferred one cannot upgrade its read snapshot once
another writer has committed); writers queue on busy_timeout instead. Everything else reads in
a DEFERRED transaction, which in WAL mode never waits for a writer, so a busy hub cannot starve
another process's reads.
"""

IMMEDIATE = {BEGIN_OPTION: "IMMEDIATE"}
"""execution_options(**IMMEDIATE) before BEGIN: a SQLite write transaction."""

_BEGIN_MODES = frozenset({"IMMEDIATE", "DEFERRED", "EXCLUSIVE"})


def create_engine(
    url: str | URL, *, echo: bool = False, pool_size: int = 20, max_overflow: int = 10
) -> AsyncEngine:
    """An AsyncEngine for `url`; it opens no connection until first used.

    `pool_size` and `max_overflow` apply to PostgreSQL: at most their sum connections per
    process, so processes x (pool_size + max_overflow) must stay under max_connections.
    The pool hands out the connection returned last (LIFO): under light load the same few
    stay warm (their prepared statements cached, no idle ping) and the rest stay idle.
    """
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        return _sqlite_engine(u, echo=echo)
    engine = create_async_engine(
        u,
        echo=echo,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=30,
        pool_use_lifo=True,
        pool_recycle=1800,
        json_serializer=json_dumps,
        json_deserializer=json.loads,
    )
    _ping_when_idle(engine.sync_engine)
    return engine


IDLE_PING_SECONDS = 1.0
"""A pooled PostgreSQL connection idle longer than this is pinged before it is handed out."""


def _ping_when_idle(sync_engine: Engine) -> None:
    """Ping connections that sat idle in the pool, not every checkout (pool_pre_ping).

    A restarted server leaves dead connections in the pool; the ping finds them and the pool
    opens fresh ones instead. pool_pre_ping would ping on every checkout, and asyncpg's ping
    is three round trips (BEGIN, a query, ROLLBACK): under load that was a quarter of the
    database work of a submission. A connection in steady use is proven by its last statement;
    one that fails mid-use invalidates the whole pool, so its siblings are replaced too.
    """

    @event.listens_for(sync_engine.pool, "checkin")
    def _checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(sync_engine.pool, "checkout")
    def _checkout(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
            return
        try:
            sync_engine.dialect.do_ping(dbapi_connection)
        except Exception as e:  # the pool discards this connection and checks out another
            raise exc.DisconnectionError(f"pooled connection is dead: {e}") from e


_IDLE_SINCE = "hub_idle_since"


def _sqlite_engine(u: URL, *, echo: bool) -> AsyncEngine:
    database = u.database or ""
    timeout = SQLITE_BUSY_TIMEOUT_MS / 1000
    options: dict[str, Any] = {"connect_args": {"timeout": timeout}}
    if database and database != ":memory:" and not database.startswith("file:"):
        path = Path(database).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        # One thread hop per statement instead of four (hub.db._sqlite_driver).
        options = {"async_creator": _sqlite_driver.creator(str(path), timeout=timeout)}
    engine = create_async_engine(
        u,
        echo=echo,
        json_serializer=json_dumps,
        json_deserializer=json.loads,
        # Every unit of work ends its transaction before it gives the connection back, so the
        # pool's own ROLLBACK on return would be one more thread hop for nothing.
        pool_reset_on_return=None,
        **options,
    )
    sync_engine = engine.sync_engine

    # The documented recipe (SQLAlchemy "Enabling Non-Legacy SQLite Transactional Modes"):
    # stop the driver from emitting its own BEGIN, and emit ours.
    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode")
            if str(cursor.fetchone()[0]).lower() != "wal":  # hub.db._sqlite_driver set it
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = str(conn.get_execution_options().get(BEGIN_OPTION, "DEFERRED")).upper()
        if mode not in _BEGIN_MODES:
            raise ValueError(f"{BEGIN_OPTION} must be one of {sorted(_BEGIN_MODES)}, not {mode}")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


_WRITE_LOCKS: weakref.WeakKeyDictionary[
    Engine, weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock]
] = weakref.WeakKeyDictionary()


def _write_lock(engine: AsyncEngine) -> asyncio.Lock | None:
    """The process's queue for SQLite's one write lock (None on PostgreSQL).

    SQLite lets one writer in at a time; the others poll on busy_timeout with sleeps of up to
    100 ms, so under load the lock would sit idle between writers. Writers of one process
    queue here instead (FIFO, handed over at once); busy_timeout still orders processes.
    """
    if engine.dialect.name != "sqlite":
        return None
    per_loop = _WRITE_LOCKS.setdefault(engine.sync_engine, weakref.WeakKeyDictionary())
    loop = asyncio.get_running_loop()
    lock = per_loop.get(loop)
    if lock is None:
        lock = per_loop[loop] = asyncio.Lock()
    return lock


@contextlib.asynccontextmanager
async def write_slot(engine: AsyncEngine) -> AsyncIterator[None]:
    """Hold this process's SQLite write slot (nothing on PostgreSQL) for a write transaction."""
    lock = _write_lock(engine)
    if lock is None:
        yield
        return
    async with lock:
        yield


@contextlib.asynccontextmanager
async def begin_write(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection in a write transaction, committed on success (engine.begin(), queued)."""
    async with write_slot(engine), engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            await conn.execution_options(**IMMEDIATE)
        async with conn.begin():
            yield conn


@contextlib.asynccontextmanager
async def begin_read(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection in a read transaction that never takes SQLite's write lock."""
    async with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            await conn.execution_options(**{BEGIN_OPTION: "DEFERRED"})
        async with conn.begin():
            yield conn
