"""Seals new event log entries into the hash chain in the background, soon after they commit."""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db.eventlog import seal

log = structlog.get_logger(__name__)


class EventLogSealer:
    """Runs `seal()` every `interval` seconds, and at once when woken after a commit."""

    def __init__(self, engine: AsyncEngine, interval: float = 0.2) -> None:
        self.engine = engine
        self.interval = interval
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="event-log-sealer")

    async def stop(self) -> None:
        """Stop, sealing once more what committed before (so a clean stop leaves none)."""
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        with contextlib.suppress(Exception):
            await seal(self.engine)

    async def _run(self) -> None:
        while True:
            try:
                sealed = await seal(self.engine)
                if sealed:
                    log.debug("event_log_sealed", entries=sealed)
            except Exception:  # the database may be restarting: try again next round
                log.exception("event_log_seal_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)
            self._wake.clear()
