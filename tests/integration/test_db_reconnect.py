"""PostgreSQL connections the server dropped: the pool finds them and the hub carries on."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from sqlalchemy import text

from hub.db import create_engine
from hub.db.engine import IDLE_PING_SECONDS
from tests.conftest import PG_ADMIN_DSN


async def _drop_connections(db: str) -> int:
    """What a server restart does to the pool: every connection to `db` is cut."""
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        return len(await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()", db))
    finally:
        await admin.close()


async def test_an_idle_pool_whose_connections_were_cut_serves_the_next_request(pg_url) -> None:
    engine = create_engine(pg_url)
    try:
        async def backend_pids() -> set[int]:
            async def one() -> int:
                async with engine.connect() as conn:
                    pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
                    await asyncio.sleep(0.05)  # hold it, so the others open connections too
                    return int(pid)
            return set(await asyncio.gather(*(one() for _ in range(4))))

        before = await backend_pids()
        assert len(before) == 4
        assert await _drop_connections(pg_url.rsplit("/", 1)[1]) == 4
        await asyncio.sleep(IDLE_PING_SECONDS + 0.2)

        after = await backend_pids()  # every request succeeds, on new connections

        assert after.isdisjoint(before)
    finally:
        await engine.dispose()


async def test_a_connection_cut_mid_use_fails_that_request_only(pg_url) -> None:
    engine = create_engine(pg_url)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        await _drop_connections(pg_url.rsplit("/", 1)[1])
        await asyncio.sleep(0.1)  # the client has seen the server close it

        with pytest.raises(Exception, match="connection is closed"):  # not idle: no ping
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        async with engine.connect() as conn:  # the failure invalidated the pool
            assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        await engine.dispose()
