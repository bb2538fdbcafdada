"""Signature validation reports kept in the database, so every process reuses them
(signing.ReportStore: the signing library decides what a key means and whether a report holds)."""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db.tables import validation_reports as t
from hub.ports import Clock

log = structlog.get_logger(__name__)

PRUNE_EVERY = 200
"""Puts between two deletions of the reports that no longer hold."""


class SqlValidationReports:
    """signing.ReportStore on the hub's database (a cache: rows may go at any time; a
    database error only means validating again). For PostgreSQL: its own short transactions
    run beside the caller's unit of work, which SQLite's single writer would refuse (and on
    SQLite the hub is one process, whose own cache is enough)."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock
        self._puts = 0

    async def get(self, key: str) -> tuple[str, datetime | None] | None:
        try:
            async with self._engine.connect() as conn:
                row = (await conn.execute(
                    select(t.c.report, t.c.valid_until).where(t.c.key == key))).first()
        except DBAPIError as e:
            log.warning("validation_report_unreadable", error=str(e.orig))
            return None
        return None if row is None else (row.report, row.valid_until)

    async def put(self, key: str, report: str, until: datetime | None) -> None:
        now = self._clock.now()
        self._puts += 1
        try:
            async with self._engine.begin() as conn:
                await conn.execute(delete(t).where(t.c.key == key))
                await conn.execute(insert(t).values(key=key, report=report, valid_until=until,
                                                    made_at=now))
                if self._puts % PRUNE_EVERY == 0:
                    await conn.execute(delete(t).where(t.c.valid_until < now - timedelta(hours=1)))
        except IntegrityError:
            pass  # another process kept the same report at the same moment
        except DBAPIError as e:
            log.warning("validation_report_not_kept", error=str(e.orig))
