"""Migrations build the schema from empty on both dialects, and it matches hub.db.tables."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from hub.db import create_engine, current_revision, head_revision, migrate
from hub.db.tables import metadata

TABLES = {
    "organisations", "api_keys", "engagements", "confirmations", "confirmation_amounts",
    "event_log", "outbox", "inbox", "parked_messages", "documents", "responders", "replies",
    "alternative_procedures",
    "reply_exceptions", "web_users", "web_sessions", "webhooks", "portal_links",
    "validation_reports",
}


async def test_migrations_build_every_table_from_empty(db_url: str) -> None:
    assert await current_revision(db_url) is None

    await migrate(db_url)

    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    finally:
        await engine.dispose()
    assert names - {"alembic_version"} == TABLES
    assert await current_revision(db_url) == head_revision() == "0018"


async def test_migrated_schema_matches_the_tables_the_code_uses(db_url: str) -> None:
    await migrate(db_url)
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            differences = await conn.run_sync(
                lambda c: compare_metadata(
                    MigrationContext.configure(c, opts={"compare_type": True}), metadata
                )
            )
    finally:
        await engine.dispose()
    assert differences == []


async def test_processes_migrating_at_once_all_succeed(db_url: str) -> None:
    # Bounded: without serialisation the racing migrations can block each other for good.
    await asyncio.wait_for(asyncio.gather(*(migrate(db_url) for _ in range(3))), timeout=60)
    assert await current_revision(db_url) == head_revision()


async def test_sqlite_file_gets_its_directory_wal_and_foreign_keys(tmp_path: Path) -> None:
    db_file = tmp_path / "not" / "yet" / "there" / "hub.db"
    url = f"sqlite+aiosqlite:///{db_file}"

    await migrate(url)

    assert db_file.is_file()
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
            assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar_one() >= 30_000
    finally:
        await engine.dispose()


def test_creating_an_engine_connects_to_nothing(tmp_path: Path) -> None:
    db_file = tmp_path / "hub.db"
    engine = create_engine(f"sqlite+aiosqlite:///{db_file}")
    assert not db_file.exists()
    engine.sync_engine.dispose()
    create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/nothing")  # would fail if it connected
