"""The in-process broker for one machine: RabbitMQ's routing, durable through the outbox."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import structlog

from hub.messaging.errors import BrokerClosed, PublishFailed
from hub.messaging.topology import (
    ATTEMPT_HEADER,
    REQUEUE_EXCHANGE,
    ExchangeKind,
    Topology,
    TopologyError,
    default_topology,
    topic_matches,
)
from hub.ports import DeliveryCallback, Settlement, Subscription

log = structlog.get_logger(__name__)


@dataclass(eq=False)
class EmbeddedDelivery:
    """One copy of a message in one queue (hub.ports.Delivery)."""

    body: bytes
    queue: str
    routing_key: str
    message_id: str
    attempt: int
    settled: asyncio.Future[None]
    """Resolved when this copy is done for good; what `publish()` waits for."""
    handed_over: bool = False
    """A delayed retry took over `settled`: acking this copy does not resolve it."""
    headers: dict[str, Any] = field(default_factory=dict)
    redelivered: bool = False
    """Handed out before and requeued."""


class _Queue:
    def __init__(self, name: str) -> None:
        self.name = name
        self.ready: deque[EmbeddedDelivery] = deque()
        self.unacked: set[EmbeddedDelivery] = set()
        self._not_empty = asyncio.Event()

    def put(self, delivery: EmbeddedDelivery, *, front: bool = False) -> None:
        if front:
            self.ready.appendleft(delivery)
        else:
            self.ready.append(delivery)
        self._not_empty.set()

    async def get(self) -> EmbeddedDelivery:
        while not self.ready:
            self._not_empty.clear()
            await self._not_empty.wait()
        delivery = self.ready.popleft()
        self.unacked.add(delivery)
        return delivery

    def in_flight(self, message_id: str) -> EmbeddedDelivery | None:
        for d in self.unacked:
            if d.message_id == message_id and not d.handed_over:
                return d
        return None


class EmbeddedSubscription:
    """A consumer on one embedded queue; owns its dispatcher and delivery tasks."""

    def __init__(self, queue: _Queue, callback: DeliveryCallback, prefetch: int) -> None:
        self._queue = queue
        self._callback = callback
        self._slots = asyncio.Semaphore(max(1, prefetch))
        self._tasks: set[asyncio.Task[None]] = set()
        self._dispatcher: asyncio.Task[None] | None = asyncio.create_task(
            self._dispatch(), name=f"embedded-consumer:{queue.name}"
        )

    async def _dispatch(self) -> None:
        while True:
            await self._slots.acquire()
            try:
                delivery = await self._queue.get()
            except BaseException:
                self._slots.release()
                raise
            task = asyncio.create_task(self._deliver(delivery))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver(self, delivery: EmbeddedDelivery) -> None:
        outcome = Settlement.REQUEUE
        try:
            outcome = await self._callback(delivery)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("delivery_callback_failed", queue=self._queue.name,
                          message_id=delivery.message_id)
        finally:
            self._slots.release()
            self._queue.unacked.discard(delivery)
            if outcome is Settlement.ACK:
                if not delivery.handed_over and not delivery.settled.done():
                    delivery.settled.set_result(None)
            else:
                delivery.redelivered = True
                self._queue.put(delivery, front=True)

    async def cancel(self) -> None:
        task, self._dispatcher = self._dispatcher, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def close(self) -> None:
        await self.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


class EmbeddedBroker:
    """hub.ports.Broker in process memory, for `hub serve` on one machine.

    The embedded broker keeps its queues in memory and has no disk of its own. It is durable
    *through the outbox* instead:

    * `publish()` returns only when every queue the message was routed to has settled it for
      good: acknowledged after its handler's transaction committed, or parked. Being enqueued
      is not enough. The relay marks the outbox row published only after `publish()` returns,
      so if the process dies first the row is still unpublished and the relay sends it again
      after the restart; the consumer's inbox drops whatever was already applied.
    * A delayed retry (`retry_later`) takes over the settlement of the delivery it retries, so
      `publish()` keeps waiting through every retry until the last attempt settles.
    * A message routed to no queue is confirmed at once (RabbitMQ would return it; here nobody
      is listening, so there is nothing to wait for). It is logged as `message_unroutable`.
    * `close()` fails the publishes still waiting; their outbox rows stay unpublished.

    Routing follows the same topology as RabbitMQ (hub.messaging.topology): topic patterns with
    `*` and `#` on `hub.events`, queue names on `hub.requeue`; delays run on the event loop
    instead of tier queues. Prefetch limits the unsettled deliveries of each subscription, and
    a requeued delivery goes back to the head of its queue, as in RabbitMQ.
    """

    def __init__(self, topology: Topology | None = None) -> None:
        self.topology = topology or default_topology()
        self._queues = {q.name: _Queue(q.name) for q in self.topology.work_queues}
        self._subscriptions: list[EmbeddedSubscription] = []
        self._timers: set[asyncio.TimerHandle] = set()
        self._delayed: set[EmbeddedDelivery] = set()
        self._open = False

    async def connect(self) -> None:
        if not self._open:
            self._open = True
            log.info("broker_connected", kind="embedded")

    async def close(self) -> None:
        if not self._open:
            return
        self._open = False
        for sub in self._subscriptions:
            await sub.close()
        self._subscriptions.clear()
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        waiting = [*self._delayed]
        for q in self._queues.values():
            waiting += [*q.ready, *q.unacked]
            q.ready.clear()
            q.unacked.clear()
        self._delayed.clear()
        for d in waiting:
            if not d.settled.done():
                d.settled.set_exception(BrokerClosed("the embedded broker closed"))
                d.settled.exception()  # retrieved here: nobody may be waiting for it
        log.info("broker_closed", kind="embedded", unsettled=len(waiting))

    async def ping(self) -> bool:
        return self._open

    def route(self, exchange: str, routing_key: str) -> list[str]:
        """Names of the queues a message with this routing key reaches."""
        kind = self.topology.exchange(exchange).kind
        if kind is ExchangeKind.TOPIC:
            return [
                q.name for q in self.topology.work_queues
                if any(topic_matches(p, routing_key) for p in q.bindings)
            ]
        if kind is ExchangeKind.DIRECT and exchange == REQUEUE_EXCHANGE:
            return [q.name for q in self.topology.work_queues if q.name == routing_key]
        raise TopologyError(
            f"the embedded broker does not publish to {exchange!r}; use retry_later"
        )

    async def publish(
        self, exchange: str, routing_key: str, body: bytes, *, message_id: str,
        headers: dict[str, Any] | None = None,
    ) -> None:
        if not self._open:
            raise BrokerClosed("the embedded broker is not connected")
        try:
            names = self.route(exchange, routing_key)
        except TopologyError as e:
            raise PublishFailed(str(e)) from e
        if not names:
            # An event no queue subscribes to is normal (events are published for whoever
            # listens), as on RabbitMQ, which drops it too; not worth a warning per message.
            log.debug("message_unroutable", exchange=exchange, routing_key=routing_key,
                      message_id=message_id)
            return
        loop = asyncio.get_running_loop()
        copies = [
            EmbeddedDelivery(
                body=body, queue=name, routing_key=routing_key, message_id=message_id,
                attempt=_attempt(headers), settled=loop.create_future(),
                headers=dict(headers or {}),
            )
            for name in names
        ]
        for d in copies:
            self._queues[d.queue].put(d)
        waiter = asyncio.gather(*(d.settled for d in copies))
        waiter.add_done_callback(_retrieve)
        # Shielded: a cancelled publish leaves the copies to be consumed all the same.
        await asyncio.shield(waiter)

    async def retry_later(
        self, queue: str, routing_key: str, body: bytes, *, message_id: str, attempt: int,
        delay_seconds: float,
    ) -> None:
        if not self._open:
            raise BrokerClosed("the embedded broker is not connected")
        self.topology.work_queue(queue)
        target = self._queues[queue]
        original = target.in_flight(message_id)
        loop = asyncio.get_running_loop()
        if original is not None:
            # The retry inherits what the publisher waits for (see the class docstring).
            original.handed_over = True
            settled = original.settled
        else:
            settled = loop.create_future()
        delivery = EmbeddedDelivery(
            body=body, queue=queue, routing_key=routing_key, message_id=message_id,
            attempt=attempt, settled=settled, headers={ATTEMPT_HEADER: attempt},
        )
        self._delayed.add(delivery)

        def due() -> None:
            self._timers.discard(timer)
            self._delayed.discard(delivery)
            target.put(delivery)

        timer = loop.call_later(max(0.0, delay_seconds), due)
        self._timers.add(timer)

    async def consume(
        self, queue: str, callback: DeliveryCallback, *, prefetch: int,
    ) -> Subscription:
        if not self._open:
            raise BrokerClosed("the embedded broker is not connected")
        self.topology.work_queue(queue)
        subscription = EmbeddedSubscription(self._queues[queue], callback, prefetch)
        self._subscriptions.append(subscription)
        log.info("consumer_subscribed", queue=queue, prefetch=prefetch)
        return subscription


def _attempt(headers: dict[str, Any] | None) -> int:
    try:
        return max(1, int((headers or {}).get(ATTEMPT_HEADER, 1)))
    except (TypeError, ValueError):
        return 1


def _retrieve(future: asyncio.Future[Any]) -> None:
    # A publish that gave up waiting leaves nobody to read the outcome; read it here.
    if not future.cancelled():
        future.exception()
