"""The RabbitMQ broker on aio-pika: robust connection, confirmed publishes, tiered retries."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any

import aio_pika
import structlog
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)
from aio_pika.exceptions import (
    CONNECTION_EXCEPTIONS,
    ChannelPreconditionFailed,
    DeliveryError,
    PublishError,
)
from aiormq import spec

from hub.messaging.errors import (
    BrokerClosed,
    BrokerError,
    PublishFailed,
    PublishReturned,
    PublishTimeout,
)
from hub.messaging.topology import (
    ATTEMPT_HEADER,
    DELAY_EXCHANGE,
    EVENTS_EXCHANGE,
    ROUTING_KEY_HEADER,
    TIER_HEADER,
    Topology,
    TopologyError,
    declare,
    default_topology,
    expiration_ms,
    work_queue_arguments,
)
from hub.ports import DeliveryCallback, Settlement, Subscription
from hub.ports.envelope import CONTENT_TYPE

log = structlog.get_logger(__name__)

# Errors aio-pika and aiormq raise when a channel or connection is gone or going.
_LINK_ERRORS: tuple[type[BaseException], ...] = (*CONNECTION_EXCEPTIONS, asyncio.TimeoutError)


@dataclass(frozen=True, slots=True)
class RabbitDelivery:
    """A RabbitMQ delivery as the consumer sees it (hub.ports.Delivery)."""

    body: bytes
    queue: str
    routing_key: str
    message_id: str
    attempt: int
    redelivered: bool = False

    @classmethod
    def of(cls, queue: str, message: AbstractIncomingMessage) -> RabbitDelivery:
        headers = message.headers or {}
        routing_key = headers.get(ROUTING_KEY_HEADER) or message.routing_key or ""
        try:
            attempt = max(1, int(headers.get(ATTEMPT_HEADER, 1)))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            attempt = 1
        return cls(
            body=message.body,
            queue=queue,
            routing_key=str(routing_key),
            message_id=message.message_id or "",
            attempt=attempt,
            redelivered=bool(message.redelivered),
        )


class RabbitSubscription:
    """One consumer on its own channel (so its prefetch is its own)."""

    def __init__(self, channel: AbstractChannel, queue: AbstractQueue, tag: str) -> None:
        self._channel = channel
        self._queue = queue
        self._tag = tag
        self._cancelled = False

    async def cancel(self) -> None:
        if self._cancelled:
            return
        self._cancelled = True
        # The robust queue forgets the consumer first, so it is not restored even if the
        # broker is unreachable now and the cancel itself times out. (Its own timeout only
        # covers the RPC, not waiting for a reconnect, hence ours.)
        with contextlib.suppress(*_LINK_ERRORS):
            async with asyncio.timeout(5):
                await self._queue.cancel(self._tag)

    async def close(self) -> None:
        await self.cancel()
        with contextlib.suppress(*_LINK_ERRORS):
            async with asyncio.timeout(5):
                await self._channel.close()


class RabbitBroker:
    """hub.ports.Broker on RabbitMQ.

    One robust connection; one channel with publisher confirms for every publish (aio-pika
    pipelines concurrent publishes on it) and one channel per consumer. The robust
    connection reconnects by itself, declares the topology again and resubscribes; a
    publish that meets the outage fails within `confirm_timeout` so the caller retries.
    """

    def __init__(
        self,
        url: str,
        quorum_queues: bool = False,
        *,
        topology: Topology | None = None,
        confirm_timeout: float = 10.0,
        connect_timeout: float = 10.0,
        reconnect_interval: float = 1.0,
    ) -> None:
        self._url = url
        self._quorum = quorum_queues
        self.topology = topology or default_topology()
        self._confirm_timeout = confirm_timeout
        self._connect_timeout = connect_timeout
        self._reconnect_interval = reconnect_interval
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractChannel | None = None
        self._exchanges: dict[str, AbstractExchange] = {}
        self._subscriptions: list[RabbitSubscription] = []
        self._lock = asyncio.Lock()
        self._outage = False

    async def connect(self) -> None:
        async with self._lock:
            if self._connection is not None:
                return
            try:
                connection = await aio_pika.connect_robust(
                    self._url,
                    timeout=self._connect_timeout,
                    reconnect_interval=self._reconnect_interval,
                    client_properties={"connection_name": "confirmation-hub"},
                )
            except _LINK_ERRORS as e:
                raise BrokerError(f"cannot connect to RabbitMQ: {e}") from e
            try:
                channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
                self._exchanges = await declare(channel, self.topology, self._quorum)
            except ChannelPreconditionFailed as e:
                await connection.close()
                raise TopologyError(
                    f"RabbitMQ refused the topology ({e}): a queue or exchange exists with "
                    "other arguments, e.g. after quorum_queues changed; delete it first"
                ) from e
            except BaseException:
                await connection.close()
                raise
            connection.close_callbacks.add(self._on_connection_lost)
            connection.reconnect_callbacks.add(self._on_reconnected)
            self._connection, self._channel = connection, channel
            log.info("broker_connected", kind="rabbitmq", quorum_queues=self._quorum)

    def _on_connection_lost(self, _: object, exc: BaseException | None = None) -> None:
        # Called again for every failed reconnect attempt; say it once per outage.
        if self._connection is not None and not self._outage:
            self._outage = True
            log.warning("broker_connection_lost", kind="rabbitmq", error=repr(exc))

    def _on_reconnected(self, _: object) -> None:
        self._outage = False
        log.info("broker_reconnected", kind="rabbitmq")

    async def close(self) -> None:
        async with self._lock:
            connection, self._connection = self._connection, None
            subscriptions, self._subscriptions = self._subscriptions, []
            if connection is None:
                return
            for sub in subscriptions:
                await sub.cancel()
            # Closing the connection fails the publishes still waiting for a confirm.
            await connection.close()
            self._channel = None
            log.info("broker_closed", kind="rabbitmq")

    async def ping(self) -> bool:
        connection, channel = self._connection, self._channel
        if connection is None or channel is None:
            return False
        return connection.connected.is_set() and not channel.is_closed

    async def publish(
        self, exchange: str, routing_key: str, body: bytes, *, message_id: str,
        headers: dict[str, Any] | None = None,
    ) -> None:
        if headers:
            properties = aio_pika.Message(
                body, message_id=message_id, content_type=CONTENT_TYPE,
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT, headers=headers,
            ).properties
        else:  # the relay's case, once per row: the frame's properties without a Message
            properties = spec.Basic.Properties(
                message_id=message_id, content_type=CONTENT_TYPE,
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT.value,
            )
        await self._publish(exchange, routing_key, body, properties)

    async def retry_later(
        self, queue: str, routing_key: str, body: bytes, *, message_id: str, attempt: int,
        delay_seconds: float,
    ) -> None:
        # The copy travels under the queue's name: hub.delay routes it to a tier by header,
        # the tier dead-letters it on expiry to hub.requeue, which routes it by that name.
        self.topology.work_queue(queue)
        tier = self.topology.tier_for(delay_seconds)
        message = aio_pika.Message(
            body,
            message_id=message_id,
            content_type=CONTENT_TYPE,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            headers={TIER_HEADER: tier.n, ATTEMPT_HEADER: attempt, ROUTING_KEY_HEADER: routing_key},
            expiration=expiration_ms(delay_seconds) / 1000,
        )
        await self._publish(DELAY_EXCHANGE, queue, message.body, message.properties)

    async def _publish(self, exchange: str, routing_key: str, body: bytes,
                       properties: spec.Basic.Properties) -> None:
        channel = self._channel
        if channel is None:
            raise BrokerClosed("the RabbitMQ broker is not connected")
        try:
            # One deadline for everything: waiting out a reconnect, the write and the confirm.
            async with asyncio.timeout(self._confirm_timeout):
                if exchange not in self._exchanges:  # a publish to a missing one closes the channel
                    self._exchanges[exchange] = await channel.get_exchange(exchange, ensure=True)
                # aio-pika's Exchange.publish, without its Message and wrapper: the channel
                # under the robust one (waiting while it reconnects), then aiormq's publish,
                # which raises the same errors (PublishError for a return, DeliveryError for
                # a nack).
                underlay = await channel.get_underlay_channel()
                # A domain event no queue subscribes to is published for whoever listens,
                # and nobody does: done, as on the embedded broker; so events go without
                # `mandatory` (RabbitMQ would send each such one back, for nothing). Messages
                # meant for one queue (replays, delayed retries) must arrive: for them a
                # return is an error.
                await underlay.basic_publish(body, exchange=exchange, routing_key=routing_key,
                                             properties=properties,
                                             mandatory=exchange != EVENTS_EXCHANGE)
        except PublishError as e:
            raise PublishReturned(
                f"RabbitMQ returned the message: no queue bound for {routing_key!r} "
                f"on {exchange!r}"
            ) from e
        except DeliveryError as e:
            raise PublishFailed(f"RabbitMQ refused the message (nack) on {exchange!r}") from e
        except TimeoutError as e:
            raise PublishTimeout(
                f"no confirm from RabbitMQ within {self._confirm_timeout} s"
            ) from e
        except _LINK_ERRORS as e:
            raise PublishFailed(f"publish to {exchange!r} failed: {type(e).__name__}: {e}") from e

    async def consume(
        self, queue: str, callback: DeliveryCallback, *, prefetch: int,
    ) -> Subscription:
        spec = self.topology.work_queue(queue)
        connection = self._connection
        if connection is None:
            raise BrokerClosed("the RabbitMQ broker is not connected")
        try:
            async with asyncio.timeout(self._connect_timeout):
                channel = await connection.channel(publisher_confirms=False)
                await channel.set_qos(prefetch_count=prefetch)
                amqp_queue = await channel.declare_queue(
                    spec.name, durable=True, arguments=work_queue_arguments(self._quorum)
                )
        except _LINK_ERRORS as e:
            raise BrokerError(f"cannot subscribe to {queue!r}: {type(e).__name__}: {e}") from e

        async def on_message(message: AbstractIncomingMessage) -> None:
            delivery = RabbitDelivery.of(queue, message)
            try:
                # Acks when the block ends, rejects with requeue if it raises.
                async with message.process(requeue=True, ignore_processed=True):
                    if await callback(delivery) is not Settlement.ACK:
                        await message.nack(requeue=True)
            except _LINK_ERRORS as e:
                # The channel went away before the ack; RabbitMQ redelivers the message and
                # the consumer's inbox recognises it.
                log.warning("delivery_settle_failed", queue=queue,
                            message_id=delivery.message_id, error=repr(e))
            except Exception:
                log.exception("delivery_callback_failed", queue=queue,
                              message_id=delivery.message_id)

        try:
            async with asyncio.timeout(self._connect_timeout):
                tag = await amqp_queue.consume(on_message)
        except _LINK_ERRORS as e:
            with contextlib.suppress(*_LINK_ERRORS):
                await channel.close()
            raise BrokerError(f"cannot subscribe to {queue!r}: {type(e).__name__}: {e}") from e
        subscription = RabbitSubscription(channel, amqp_queue, tag)
        self._subscriptions.append(subscription)
        log.info("consumer_subscribed", queue=queue, prefetch=prefetch)
        return subscription
