"""The outbox relay: lease unpublished rows, publish them with confirms, mark them published."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

import structlog

from hub.ports import Broker, OutboxRow, OutboxStore

if TYPE_CHECKING:
    from hub.infra.settings import Settings

log = structlog.get_logger(__name__)


class Relay:
    """Moves outbox rows to the broker, at least once.

    Each round leases up to `relay_batch_size` rows (never more than `relay_max_in_flight`
    unconfirmed at once) and publishes them concurrently. A row is marked published only
    after the broker's confirm; confirmed ids are flushed together every few milliseconds.
    A row whose publish failed keeps its lease until it expires and is sent again then;
    meanwhile the relay backs off. When idle it sleeps `relay_poll_seconds`, or until
    `wake()` (hub.db.uow.OutboxSignal calls it after a commit that wrote outbox rows).
    """

    def __init__(
        self,
        store: OutboxStore,
        broker: Broker,
        settings: Settings,
        holder_id: str,
        *,
        stop_grace_seconds: float = 30.0,
        flush_interval_seconds: float = 0.005,
        max_backoff_seconds: float = 5.0,
    ) -> None:
        self._store = store
        self._broker = broker
        self._settings = settings
        self.holder_id = holder_id
        self._stop_grace = stop_grace_seconds
        self._flush_interval = flush_interval_seconds
        self._max_backoff = max_backoff_seconds
        self.published = 0
        """Rows marked published (their confirm came and the mark committed)."""
        self.failed = 0
        """Publish attempts that got no confirm (the row is sent again later)."""
        self._publishing: dict[int, asyncio.Task[None]] = {}
        self._confirmed: list[int] = []
        self._busy: set[int] = set()  # publishing, or confirmed and not yet marked
        self._backoff = 0.0
        self._wake = asyncio.Event()
        self._slot_freed = asyncio.Event()
        self._has_confirmed = asyncio.Event()
        self._stopping = asyncio.Event()
        self._flush_lock = asyncio.Lock()
        self._loop_task: asyncio.Task[None] | None = None
        self._flush_task: asyncio.Task[None] | None = None

    @property
    def in_flight(self) -> int:
        """Rows being published or waiting to be marked."""
        return len(self._busy)

    def wake(self) -> None:
        """Look for new rows now instead of at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        if self._loop_task is not None:
            return
        self._stopping.clear()
        self._loop_task = asyncio.create_task(self._run(), name="relay")
        self._flush_task = asyncio.create_task(self._flush_loop(), name="relay-flush")
        log.info("relay_started", holder=self.holder_id)

    async def stop(self) -> None:
        """Stop leasing, wait for confirms in flight (up to the grace period), flush, return.

        Publishes still unconfirmed after the grace period are cancelled; their rows stay
        unpublished and are sent again once their lease expires.
        """
        self._stopping.set()
        self._wake.set()
        loop_task, self._loop_task = self._loop_task, None
        if loop_task is None:
            return
        loop_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop_task
        publishing = set(self._publishing.values())
        if publishing:
            _, pending = await asyncio.wait(publishing, timeout=self._stop_grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            if pending:
                log.warning("relay_stop_abandoned", count=len(pending))
        flush_task, self._flush_task = self._flush_task, None
        if flush_task is not None:
            flush_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flush_task
        await self._flush()
        log.info("relay_stopped", published=self.published, failed=self.failed,
                 unflushed=len(self._confirmed))

    async def _run(self) -> None:
        s = self._settings
        lease_failures = 0
        broker_down = False
        while not self._stopping.is_set():
            free = s.relay_max_in_flight - len(self._busy)
            if free <= 0:
                self._slot_freed.clear()
                await self._wait_for(self._slot_freed, None)
                continue
            # Rows leased while the broker is away would all fail and then sit out their
            # lease after it is back; so lease nothing while it is down, and only one
            # probe row per round while publishes keep failing.
            if not await self._broker.ping():
                if not broker_down:
                    log.warning("relay_waiting_for_broker")
                broker_down = True
                await self._wait_for(self._stopping, max(s.relay_poll_seconds, 0.1))
                continue
            if broker_down:
                log.info("relay_broker_back")
                broker_down = False
            self._wake.clear()
            limit = 1 if self._backoff else min(s.relay_batch_size, free)
            try:
                rows = await self._store.lease(limit, self.holder_id, s.relay_lease_seconds)
            except Exception as e:
                lease_failures += 1
                pause = min(self._max_backoff, s.relay_poll_seconds * 2**lease_failures)
                log.error("relay_lease_failed", error=f"{type(e).__name__}: {e}",
                          retry_in=pause)
                await self._wait_for(self._stopping, pause)
                continue
            lease_failures = 0
            fresh = [row for row in rows if row.id not in self._busy]
            for row in fresh:
                self._launch(row)
            if self._backoff:
                await self._wait_for(self._stopping, self._backoff)
            elif not fresh or len(rows) < limit:
                await self._wait_for(self._wake, s.relay_poll_seconds)

    def _launch(self, row: OutboxRow) -> None:
        self._busy.add(row.id)
        task = asyncio.create_task(self._publish(row))
        self._publishing[row.id] = task

    async def _publish(self, row: OutboxRow) -> None:
        try:
            await self._broker.publish(
                row.exchange, row.routing_key, row.body, message_id=row.message_id,
            )
        except Exception as e:
            self.failed += 1
            self._busy.discard(row.id)
            self._backoff = min(self._max_backoff, max(0.05, self._backoff * 2))
            # The message id named here, not bound in context: binding costs more than the
            # publish's own bookkeeping, on every row, for a line that is rarely written.
            log.warning("relay_publish_failed", message_id=row.message_id,
                        routing_key=row.routing_key, error=f"{type(e).__name__}: {e}",
                        backoff=self._backoff)
        else:
            self._backoff = 0.0
            self._confirmed.append(row.id)
            self._has_confirmed.set()
        finally:
            self._publishing.pop(row.id, None)
            self._slot_freed.set()

    async def _flush_loop(self) -> None:
        while True:
            await self._has_confirmed.wait()
            # Let a few milliseconds of confirms gather into one UPDATE.
            await asyncio.sleep(self._flush_interval)
            if not await self._flush():
                await asyncio.sleep(min(self._max_backoff, 10 * self._settings.relay_poll_seconds))

    async def _flush(self) -> bool:
        """Mark confirmed rows published; False if the store failed (they are kept)."""
        async with self._flush_lock:
            self._has_confirmed.clear()
            ids, self._confirmed = self._confirmed, []
            if not ids:
                return True
            try:
                await self._store.mark_published(ids)
            except BaseException as e:
                # Kept for the next flush (stop() flushes once more after cancelling us).
                self._confirmed[:0] = ids
                self._has_confirmed.set()
                if not isinstance(e, Exception):
                    raise
                log.error("relay_mark_failed", count=len(ids), error=f"{type(e).__name__}: {e}")
                return False
            self.published += len(ids)
            self._busy.difference_update(ids)
            self._slot_freed.set()
            log.debug("relay_marked", count=len(ids))
            return True

    async def _wait_for(self, event: asyncio.Event, seconds: float | None) -> None:
        """Until `event` is set, the relay stops, or `seconds` pass."""
        waiters = {
            asyncio.ensure_future(event.wait()),
            asyncio.ensure_future(self._stopping.wait()),
        }
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waiters:
                w.cancel()
            await asyncio.gather(*waiters, return_exceptions=True)
