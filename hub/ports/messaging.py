"""The broker, the outbox and parking stores behind it, and the command bus."""

from __future__ import annotations

import builtins
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from hub.domain import commands
from hub.ports.envelope import Envelope
from hub.ports.repositories import UnitOfWork


@dataclass(frozen=True)
class OutboxRow:
    """An outbox row as the relay publishes it: `body` is the stored envelope's JSON, as is."""

    id: int
    message_id: str
    exchange: str
    routing_key: str
    body: bytes

    @property
    def envelope(self) -> Envelope:
        """The body read back (for tests and tools; the relay never decodes it)."""
        return Envelope.from_stored(json.loads(self.body), message_id=self.message_id)


class OutboxStore(Protocol):
    """What the relay needs of the database."""

    async def lease(self, limit: int, holder: str, lease_seconds: float) -> list[OutboxRow]: ...
    async def mark_published(self, ids: Sequence[int]) -> None: ...
    async def pending_count(self) -> int: ...


@dataclass(frozen=True)
class ParkedMessage:
    id: int
    message_id: str
    queue: str
    routing_key: str
    envelope: dict[str, Any]
    reason: str
    attempts: int
    parked_at: datetime
    replayed_at: datetime | None = None


class ParkingStore(Protocol):
    async def park(
        self, *, queue: str, routing_key: str, envelope: dict[str, Any], reason: str,
        attempts: int, consumer: str | None = None,
    ) -> bool:
        """Keep the message for an operator; False (nothing parked) when `consumer`'s inbox
        shows another copy of it was applied meanwhile."""

    async def list(
        self, limit: int = 100, include_replayed: bool = False
    ) -> builtins.list[ParkedMessage]: ...
    async def replay(self, parked_id: int) -> ParkedMessage:
        """Put the message back in the outbox with its original message id."""


class Settlement(StrEnum):
    """How a consumer settles one delivery with the broker."""

    ACK = "ack"
    """Finished for good: applied (or a duplicate), parked, or handed to a delayed retry."""
    REQUEUE = "requeue"
    """Not even parking worked (database down): the broker must deliver it again."""


class Delivery(Protocol):
    """One message handed to a consumer by the broker."""

    @property
    def body(self) -> bytes:
        """The envelope as UTF-8 JSON (see hub.ports.envelope)."""

    @property
    def queue(self) -> str:
        """The queue it was consumed from."""

    @property
    def routing_key(self) -> str:
        """The routing key it was first published with; kept across delayed retries."""

    @property
    def message_id(self) -> str:
        """The envelope's message id, stable across every retry."""

    @property
    def attempt(self) -> int:
        """1 on first delivery; carried in the `x-attempt` header across delayed retries."""

    @property
    def redelivered(self) -> bool:
        """The broker handed this copy out before (it was never acked: a crash, a requeue)."""


DeliveryCallback = Callable[[Delivery], Awaitable[Settlement]]
"""What the broker calls for each delivery; raising counts as Settlement.REQUEUE."""


MessageHandler = Callable[[Envelope, UnitOfWork], Awaitable[None]]
"""What a consumer runs for each message, inside the unit of work it then commits."""


class Subscription(Protocol):
    """A running consumer registration on one queue."""

    async def cancel(self) -> None:
        """Take no new deliveries; those already handed out may still be settled."""

    async def close(self) -> None:
        """Release the subscription; deliveries not yet settled go back to the queue."""


class Broker(Protocol):
    """Publishes with confirms and delivers at least once (RabbitMQ or the embedded broker)."""

    async def connect(self) -> None:
        """Connect and declare the topology; idempotent."""

    async def close(self) -> None:
        """Close; publishes still waiting for their confirm fail with a TransientError."""

    async def ping(self) -> bool:
        """Readiness: True while connected. Never raises."""

    async def publish(
        self, exchange: str, routing_key: str, body: bytes, *, message_id: str,
        headers: dict[str, Any] | None = None,
    ) -> None:
        """Return once the broker has taken responsibility for the message (publisher confirm).

        Persistent delivery. Raises a TransientError subclass when the broker refuses the
        message, cannot route it, or the confirm does not come in time: publish it again later.
        """

    async def retry_later(
        self, queue: str, routing_key: str, body: bytes, *, message_id: str, attempt: int,
        delay_seconds: float,
    ) -> None:
        """Deliver the message again to `queue` only, after the delay, as attempt `attempt`.

        `routing_key` is the key the message was first published with; the new delivery
        reports it again. Returns once the broker holds the delayed copy, so the caller may
        then acknowledge the original.
        """

    async def consume(
        self, queue: str, callback: DeliveryCallback, *, prefetch: int,
    ) -> Subscription:
        """Start calling `callback` for the queue's messages, at most `prefetch` at a time."""


class CommandBus(Protocol):
    """Runs a use case by its command (hub.services.messagebus.MessageBus)."""

    async def handle(self, cmd: commands.Command) -> Any:
        """Run the command's handler in a unit of work of its own and commit it."""

    async def handle_in(self, cmd: commands.Command, uow: UnitOfWork) -> Any:
        """Run the command's handler inside the caller's unit of work; the caller commits."""
