"""Bring a database to the newest schema with Alembic, from code, from any working directory."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from hub.db.engine import BEGIN_OPTION, IMMEDIATE, create_engine

# pg_advisory_xact_lock key: processes starting together migrate one after the other.
MIGRATE_LOCK_KEY = int.from_bytes(hashlib.sha256(b"hub.migrate").digest()[:8], "big", signed=True)


def script_location() -> Path:
    """The `migrations` package directory, wherever it is installed (found, not imported)."""
    spec = importlib.util.find_spec("migrations")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        if (Path(location) / "env.py").is_file():
            return Path(location)
    raise RuntimeError("the migrations package is not installed next to hub")


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location()))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    """The newest revision this code knows."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def migrate(url: str, revision: str = "head") -> None:
    """Upgrade the database at `url` (async: call it from a running event loop).

    The whole upgrade is one transaction on both dialects (SQLite included, since our engine
    begins its transactions itself), so a failed migration leaves the schema as it was.
    """
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.execution_options(**IMMEDIATE)
            await conn.begin()
            if conn.dialect.name == "postgresql":
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATE_LOCK_KEY}
                )
            await conn.run_sync(_upgrade, revision)
            await conn.commit()
    finally:
        await engine.dispose()


def _upgrade(connection: Connection, revision: str) -> None:
    command.upgrade(alembic_config(connection), revision)


async def current_revision(url: str) -> str | None:
    """The revision the database at `url` is at; None for an empty database."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.execution_options(**{BEGIN_OPTION: "DEFERRED"})
            return await conn.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()
