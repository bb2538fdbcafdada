"""An aiosqlite connection whose cursors cost one thread hop per statement instead of four.

aiosqlite runs every call in the connection's own thread: opening a cursor, executing,
fetching and closing are one hop each, and a hop costs about 100 µs here. SQLAlchemy's aiosqlite
dialect makes all four per statement, so a unit of work of ten statements spent most of its
time waiting for threads while it held SQLite's write lock. These cursors execute, fetch every
row and close in one hop; the rows then come from memory. Everything else is aiosqlite's.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import aiosqlite

ITER_CHUNK_SIZE = 64


class _Outcome:
    """What one execution left behind, read off the sqlite3 cursor before it was closed."""

    __slots__ = ("description", "lastrowid", "rowcount", "rows")

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self.description = cursor.description
        self.rows: list[Any] = cursor.fetchall() if cursor.description else []
        self.rowcount = cursor.rowcount
        self.lastrowid = cursor.lastrowid


def _run(conn: sqlite3.Connection, method: str, sql: str, parameters: Any) -> _Outcome:
    cursor = conn.cursor()
    try:
        getattr(cursor, method)(sql, parameters)
        return _Outcome(cursor)
    finally:
        cursor.close()


class OneHopCursor:
    """The slice of aiosqlite.Cursor that SQLAlchemy's adapter uses, one hop per execute."""

    def __init__(self, connection: OneHopConnection) -> None:
        self._connection = connection
        self._outcome: _Outcome | None = None
        self._next = 0
        self.arraysize = 1

    async def __aenter__(self) -> OneHopCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _do(self, method: str, sql: str, parameters: Any) -> OneHopCursor:
        conn = self._connection._conn
        self._outcome = await self._connection._execute(_run, conn, method, sql, parameters)
        self._next = 0
        return self

    async def execute(self, sql: str, parameters: Any = None) -> OneHopCursor:
        return await self._do("execute", sql, () if parameters is None else parameters)

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> OneHopCursor:
        return await self._do("executemany", sql, parameters)

    def _take(self, count: int | None) -> list[Any]:
        rows = self._outcome.rows if self._outcome else []
        end = len(rows) if count is None else min(len(rows), self._next + count)
        taken, self._next = rows[self._next:end], end
        return taken

    async def fetchone(self) -> Any:
        taken = self._take(1)
        return taken[0] if taken else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._take(size or self.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._take(None)

    async def close(self) -> None:
        """Nothing to do: the sqlite3 cursor was closed in the hop that used it."""

    @property
    def description(self) -> Sequence[Any] | None:
        return self._outcome.description if self._outcome else None

    @property
    def rowcount(self) -> int:
        return self._outcome.rowcount if self._outcome else -1

    @property
    def lastrowid(self) -> int | None:
        return self._outcome.lastrowid if self._outcome else None


class OneHopConnection(aiosqlite.Connection):
    """aiosqlite.Connection with OneHopCursor cursors."""

    def cursor(self) -> OneHopCursor:  # type: ignore[override]
        return OneHopCursor(self)


def use_wal(conn: sqlite3.Connection, *, attempts: int = 300) -> None:
    """Put the database in WAL mode (it stays so), waiting while another connection holds it.

    Switching the journal mode needs the database to itself and SQLite answers "database is
    locked" at once instead of waiting for busy_timeout, so retry here, in the connection's
    own thread, where sleeping blocks nothing else.
    """
    for attempt in range(attempts):
        try:
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() == "wal":
                return
            conn.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or attempt == attempts - 1:
                raise
            time.sleep(0.01)


def creator(database: str, **connect_args: Any) -> Callable[[], OneHopConnection]:
    """An `async_creator` for create_async_engine: connections to `database` (a file path)."""

    def connector() -> sqlite3.Connection:
        conn = sqlite3.connect(database, check_same_thread=False, **connect_args)
        try:
            use_wal(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def make() -> OneHopConnection:
        connection = OneHopConnection(connector, ITER_CHUNK_SIZE)
        connection._thread.daemon = True  # as SQLAlchemy's dialect does for its own
        return connection

    return make
