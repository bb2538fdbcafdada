"""What the integration tests share: a migrated database's engine, disposed afterwards."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db import create_engine, migrate


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    await migrate(db_url)
    e = create_engine(db_url)
    try:
        yield e
    finally:
        await e.dispose()
