"""The consumer base: decode, apply once through the inbox, commit, then ack; retry or park."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import structlog

from hub.domain.errors import HubError, TransientError
from hub.ports import (
    Broker,
    Delivery,
    Envelope,
    MessageHandler,
    ParkingStore,
    Settlement,
    Subscription,
    UnitOfWorkFactory,
)
from hub.ports.envelope import UndecodableMessage, decode, envelope_or_raw

if TYPE_CHECKING:
    from hub.infra.settings import Settings

log = structlog.get_logger(__name__)

Verdict = Literal["retry", "park"]


def verdict(exc: BaseException) -> Verdict:
    """What a failed message deserves, decided by the exception's type, in this one place.

    Retry: TransientError, OSError (which covers ConnectionError and TimeoutError),
    asyncio.TimeoutError, and SQLAlchemy errors that mean the database connection failed.
    Park: every other HubError (domain rules, PermanentError) and anything unexpected.
    """
    if isinstance(exc, TransientError):
        return "retry"
    if isinstance(exc, HubError):
        return "park"
    if isinstance(exc, OSError | asyncio.TimeoutError | ConnectionError):
        return "retry"
    if _database_unavailable(exc):
        return "retry"
    return "park"


def _database_unavailable(exc: BaseException) -> bool:
    try:
        from sqlalchemy import exc as sa
    except ImportError:  # pragma: no cover - SQLAlchemy is a dependency of the hub
        return False
    if isinstance(exc, sa.OperationalError | sa.InterfaceError):
        return True
    return isinstance(exc, sa.DBAPIError) and bool(exc.connection_invalidated)


def backoff_seconds(
    attempt: int, base: float, cap: float, rand: Callable[[], float] = random.random
) -> float:
    """Full-jitter exponential backoff after failed attempt `attempt` (1-based)."""
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return rand() * ceiling


@dataclass(frozen=True)
class RetryPolicy:
    """How long a consumer keeps retrying a transient failure before it parks the message."""

    base_seconds: float
    """First retry delay; doubles each attempt, with full jitter."""
    max_seconds: float
    """Cap of one retry delay."""
    max_attempts: int
    """Deliveries before giving up (with a budget: at least this many)."""
    budget_seconds: float = 0.0
    """Time since the message's event during which retries go on (0: attempts alone decide).
    A channel's policy measures it in hours, so a responder down for minutes loses nothing."""

    @classmethod
    def of(cls, settings: Settings) -> RetryPolicy:
        """The general policy (retry_max_attempts, retry_base_seconds, retry_max_seconds)."""
        return cls(settings.retry_base_seconds, settings.retry_max_seconds,
                   settings.retry_max_attempts)

    def gives_up(self, attempt: int, age_seconds: float) -> bool:
        """Whether failed attempt `attempt` of a message `age_seconds` old is the last."""
        if attempt < self.max_attempts:
            return False
        return self.budget_seconds <= 0 or age_seconds >= self.budget_seconds


def age_seconds(occurred_at: str, now: float) -> float:
    """Seconds since an envelope's `occurred_at` (0 if it cannot be read)."""
    try:
        return max(0.0, now - datetime.fromisoformat(occurred_at).timestamp())
    except (TypeError, ValueError):
        return 0.0


def reason_of(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


@dataclass
class ConsumerStats:
    handled: int = 0
    """Messages whose handler committed."""
    duplicates: int = 0
    """Messages the inbox had already seen (acked, nothing done)."""
    retried: int = 0
    """Transient failures sent to a delayed retry."""
    parked: int = 0
    """Messages parked for an operator."""
    requeued: int = 0
    """Deliveries handed back to the broker because not even parking worked."""


class Consumer:
    """Runs `handler` once per message of `queue`, inside a unit of work, and settles it.

    For each delivery: decode (failure parks it); claim the message id in the inbox under
    `name` (already claimed: a duplicate, acked without running the handler); run the
    handler; commit; only then ack. A failure is retried with backoff through
    `broker.retry_later` or parked in the database, as `verdict` says. If parking itself
    fails the delivery is requeued, so nothing is lost.
    """

    def __init__(
        self,
        name: str,
        queue: str,
        handler: MessageHandler,
        broker: Broker,
        uow_factory: UnitOfWorkFactory,
        parking: ParkingStore,
        settings: Settings,
        *,
        rand: Callable[[], float] = random.random,
        requeue_pause_seconds: float = 1.0,
        stop_grace_seconds: float = 30.0,
        on_parked: Callable[[dict[str, Any], str], Awaitable[None]] | None = None,
        retry: RetryPolicy | None = None,
        on_retry: Callable[[Envelope, str, int], Awaitable[None]] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self.queue = queue
        self._handler = handler
        self._broker = broker
        self._uow_factory = uow_factory
        self._parking = parking
        self._settings = settings
        self._rand = rand
        self._requeue_pause = requeue_pause_seconds
        self._stop_grace = stop_grace_seconds
        self._on_parked = on_parked
        """Told (envelope, reason) after a message is parked, e.g. to note it on a letter."""
        self._retry = retry or RetryPolicy.of(settings)
        self._on_retry = on_retry
        """Told (envelope, reason, failed attempt) after a retry is scheduled."""
        self._clock = clock
        self._subscription: Subscription | None = None
        self._tasks: set[asyncio.Task[Settlement]] = set()
        self.stats = ConsumerStats()

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    async def start(self) -> None:
        if self._subscription is not None:
            return
        self._subscription = await self._broker.consume(
            self.queue, self._on_delivery, prefetch=self._settings.consumer_prefetch
        )
        log.info("consumer_started", consumer=self.name, queue=self.queue)

    async def stop(self) -> None:
        """Take no new deliveries, let in-flight handlers finish (up to the grace period)."""
        subscription, self._subscription = self._subscription, None
        if subscription is None:
            return
        await subscription.cancel()
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=self._stop_grace)
            for task in pending:
                task.cancel()
            if pending:
                log.warning("consumer_stop_cancelled_handlers", consumer=self.name,
                            count=len(pending))
                await asyncio.gather(*pending, return_exceptions=True)
        await subscription.close()
        log.info("consumer_stopped", consumer=self.name, queue=self.queue)

    async def _on_delivery(self, delivery: Delivery) -> Settlement:
        if self._subscription is None:
            # Arrived after stop() began (RabbitMQ may still push what it had sent).
            return Settlement.REQUEUE
        # Our own task, shielded: a broker channel closing mid-handler must not cut the
        # transaction short. Its ack will fail and the redelivery meets the inbox.
        task = asyncio.create_task(self._process(delivery))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return await asyncio.shield(task)

    async def _process(self, delivery: Delivery) -> Settlement:
        with structlog.contextvars.bound_contextvars(
            message_id=delivery.message_id, consumer=self.name, attempt=delivery.attempt
        ):
            try:
                envelope = replace(decode(delivery.body), routing_key=delivery.routing_key)
            except UndecodableMessage as e:
                return await self._park(delivery, envelope_or_raw(delivery.body), reason_of(e))
            subject = envelope.data.get("confirmation_id")
            if isinstance(subject, str):  # this task's own context: it ends with the task
                structlog.contextvars.bind_contextvars(confirmation_id=subject)
            try:
                applied = await self._apply(envelope, self._may_have_parked(delivery))
            except Exception as e:
                return await self._failed(delivery, envelope, e)
            if applied:
                self.stats.handled += 1
                log.debug("message_handled", type=envelope.type)
            else:
                self.stats.duplicates += 1
                log.info("message_duplicate", type=envelope.type)
            return Settlement.ACK

    @staticmethod
    def _may_have_parked(delivery: Delivery) -> bool:
        """Whether an earlier copy of this message may have been parked: it was retried, or
        handed out before (a crash or a lost channel between parking it and the ack)."""
        return delivery.attempt > 1 or delivery.redelivered

    async def _apply(self, envelope: Envelope, settle_parked: bool = False) -> bool:
        """Run the handler once; a message applied now or before clears its parked copies
        in the same transaction, so an operator never replays what was delivered."""
        async with self._uow_factory() as uow:
            fresh = await uow.inbox.claim(self.name, envelope.message_id)
            if fresh:
                await self._handler(envelope, uow)
            cleared = await uow.inbox.settle_parked(self.queue, envelope.message_id) \
                if settle_parked else 0
            if fresh or cleared:
                await uow.commit()
            if cleared:
                log.warning("parked_message_cleared", queue=self.queue, count=cleared)
        return fresh

    async def _failed(self, delivery: Delivery, envelope: Envelope, exc: Exception) -> Settlement:
        policy = self._retry
        if verdict(exc) == "park":
            log.error("message_failed", type=envelope.type, error=reason_of(exc),
                      exc_info=not isinstance(exc, HubError))
            return await self._park(delivery, envelope.to_dict(), reason_of(exc))
        if policy.gives_up(delivery.attempt, age_seconds(envelope.occurred_at, self._clock())):
            reason = f"{reason_of(exc)} (gave up after {delivery.attempt} attempts)"
            return await self._park(delivery, envelope.to_dict(), reason)
        delay = backoff_seconds(delivery.attempt, policy.base_seconds, policy.max_seconds,
                                self._rand)
        try:
            await self._broker.retry_later(
                delivery.queue, delivery.routing_key, delivery.body,
                message_id=delivery.message_id or envelope.message_id,
                attempt=delivery.attempt + 1, delay_seconds=delay,
            )
        except Exception as e:
            log.error("message_retry_failed", error=reason_of(e), cause=reason_of(exc))
            return await self._requeue()
        self.stats.retried += 1
        log.warning("message_retry_scheduled", type=envelope.type, error=reason_of(exc),
                    delay_seconds=round(delay, 3), next_attempt=delivery.attempt + 1)
        if self._on_retry is not None:
            try:
                await self._on_retry(envelope, reason_of(exc), delivery.attempt)
            except Exception as e:  # the retry is scheduled; this is only a note
                log.error("message_retry_note_failed", error=reason_of(e))
        return Settlement.ACK

    async def _park(self, delivery: Delivery, envelope: dict[str, Any], reason: str) -> Settlement:
        try:
            parked = await self._parking.park(
                queue=delivery.queue, routing_key=delivery.routing_key, envelope=envelope,
                reason=reason, attempts=delivery.attempt, consumer=self.name,
            )
        except Exception as e:
            log.error("message_park_failed", error=reason_of(e), reason=reason)
            return await self._requeue()
        if parked is False:  # another copy was applied meanwhile: this one is done
            self.stats.duplicates += 1
            log.info("message_applied_elsewhere", reason=reason)
            return Settlement.ACK
        self.stats.parked += 1
        log.error("message_parked", queue=delivery.queue, reason=reason,
                  attempts=delivery.attempt)
        if self._on_parked is not None:
            try:
                await self._on_parked(envelope, reason)
            except Exception as e:  # the message is safely parked; this is only a note
                log.error("message_parked_note_failed", error=reason_of(e))
        return Settlement.ACK

    async def _requeue(self) -> Settlement:
        # A pause, so a database outage does not turn into a hot redelivery loop.
        self.stats.requeued += 1
        await asyncio.sleep(self._requeue_pause)
        return Settlement.REQUEUE
