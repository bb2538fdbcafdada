"""The broker topology as data: exchanges, work queues, bindings and delayed-retry tiers."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from hub.domain.errors import HubError
from hub.domain.jobs import JOBS

if TYPE_CHECKING:
    from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractQueue

EVENTS_EXCHANGE = "hub.events"
"""Topic exchange where the relay publishes domain events (`confirmation.submitted`, …)."""
DELAY_EXCHANGE = "hub.delay"
"""Headers exchange routing delayed retries to a tier queue by `x-delay-tier`."""
REQUEUE_EXCHANGE = "hub.requeue"
"""Direct exchange that routes an expired retry back to the queue named by its routing key."""

JOBS_QUEUE = "hub.jobs"
INBOUND_QUEUE = "hub.inbound"
BANK_API_QUEUE = "adapter.bank_api"
PORTAL_QUEUE = "adapter.portal"
AUDIT_SOFTWARE_QUEUE = "adapter.audit_software"

ATTEMPT_HEADER = "x-attempt"
"""Delivery attempt number of a retried message (absent on the first delivery)."""
TIER_HEADER = "x-delay-tier"
"""Which delay tier queue a retry goes to."""
ROUTING_KEY_HEADER = "x-original-routing-key"
"""The routing key a retried message was first published with (it travels under its queue's)."""

DELAY_TIER_PREFIX = "hub.delay."


class TopologyError(HubError):
    """A queue or exchange the topology does not know."""

    code = "topology_error"


class ExchangeKind(StrEnum):
    TOPIC = "topic"
    DIRECT = "direct"
    HEADERS = "headers"


@dataclass(frozen=True)
class ExchangeSpec:
    name: str
    """Exchange name."""
    kind: ExchangeKind
    """AMQP exchange type."""
    durable: bool = True
    """Survives a broker restart."""


@dataclass(frozen=True)
class QueueSpec:
    name: str
    """Queue name; also its routing key on `hub.requeue`."""
    bindings: tuple[str, ...] = ()
    """Topic patterns on `hub.events` (`*` one word, `#` zero or more words)."""

    def bind(self, *patterns: str) -> QueueSpec:
        """The same queue with more bindings."""
        extra = tuple(p for p in patterns if p not in self.bindings)
        return dataclasses.replace(self, bindings=self.bindings + extra)


@dataclass(frozen=True)
class DelayTier:
    n: int
    """Tier number, the value of the `x-delay-tier` header."""
    max_seconds: float
    """Longest delay this tier is meant for; it bounds head-of-line waiting in the queue."""

    @property
    def queue(self) -> str:
        return f"{DELAY_TIER_PREFIX}{self.n}"


@dataclass(frozen=True)
class Topology:
    exchanges: tuple[ExchangeSpec, ...]
    """Every exchange the hub declares."""
    work_queues: tuple[QueueSpec, ...]
    """Queues consumers read; each also bound to `hub.requeue` by its own name."""
    delay_tiers: tuple[DelayTier, ...]
    """Holding queues for delayed retries, shortest first."""

    def work_queue(self, name: str) -> QueueSpec:
        for q in self.work_queues:
            if q.name == name:
                return q
        raise TopologyError(f"no work queue named {name!r} in the topology")

    def exchange(self, name: str) -> ExchangeSpec:
        for x in self.exchanges:
            if x.name == name:
                return x
        raise TopologyError(f"no exchange named {name!r} in the topology")

    def with_bindings(self, queue: str, *patterns: str) -> Topology:
        """The same topology with more `hub.events` patterns on one work queue."""
        self.work_queue(queue)
        queues = tuple(q.bind(*patterns) if q.name == queue else q for q in self.work_queues)
        return dataclasses.replace(self, work_queues=queues)

    def tier_for(self, delay_seconds: float) -> DelayTier:
        """The shortest tier whose bound holds the delay (the last one for longer delays).

        Per-message expiry in RabbitMQ only fires at the head of a queue, so a short delay
        behind a long one waits for it; tiers of doubling bounds keep that wait under 2x.
        """
        for tier in self.delay_tiers:
            if delay_seconds <= tier.max_seconds:
                return tier
        return self.delay_tiers[-1]

    def tier_arguments(self, tier: DelayTier) -> dict[str, Any]:
        """Binding arguments of a tier queue on the headers exchange.

        `all-with-x` makes RabbitMQ match on `x-` headers, which plain `all` ignores (a
        binding with only `x-` keys would then match every message).
        """
        return {"x-match": "all-with-x", TIER_HEADER: tier.n}


# The jobs queue's event patterns: only what hub.services.workers acts on, since every message
# delivered costs a transaction (its inbox row) even when the worker ignores it. Add a pattern
# here to give the workers a new event.
JOBS_BINDINGS: tuple[str, ...] = tuple(JOBS)

# What the bank API adapter delivers: letters dispatched to banks that take pushes.
BANK_API_BINDINGS: tuple[str, ...] = ("letter.dispatched.bank_api_push",
                                      "letter.second_request.bank_api_push")

# What the audit software adapter pushes to firms' webhooks: workpapers, made or re-sent.
AUDIT_SOFTWARE_BINDINGS: tuple[str, ...] = ("workpaper.ready",)

# What the company portal delivers: one-time links to companies' registered contacts.
PORTAL_BINDINGS: tuple[str, ...] = ("letter.dispatched.portal", "letter.second_request.portal")

# Doubling bounds from 1 s to 2**14 s (about 4.5 hours); longer delays use the last tier.
DELAY_TIER_COUNT = 15


def default_topology() -> Topology:
    """The hub's topology (DESIGN.md, "The flow")."""
    return Topology(
        exchanges=(
            ExchangeSpec(EVENTS_EXCHANGE, ExchangeKind.TOPIC),
            ExchangeSpec(DELAY_EXCHANGE, ExchangeKind.HEADERS),
            ExchangeSpec(REQUEUE_EXCHANGE, ExchangeKind.DIRECT),
        ),
        work_queues=(
            QueueSpec(JOBS_QUEUE, JOBS_BINDINGS),
            QueueSpec(BANK_API_QUEUE, BANK_API_BINDINGS),
            QueueSpec(PORTAL_QUEUE, PORTAL_BINDINGS),
            QueueSpec(AUDIT_SOFTWARE_QUEUE, AUDIT_SOFTWARE_BINDINGS),
            QueueSpec(INBOUND_QUEUE),
        ),
        delay_tiers=tuple(
            DelayTier(n, float(2**n)) for n in range(DELAY_TIER_COUNT)
        ),
    )


def topic_matches(pattern: str, routing_key: str) -> bool:
    """AMQP topic matching: `*` is exactly one word, `#` zero or more words."""
    return _match(tuple(pattern.split(".")), tuple(routing_key.split(".")))


def _match(pattern: tuple[str, ...], words: tuple[str, ...]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_match(rest, words[i:]) for i in range(len(words) + 1))
    if not words:
        return False
    return (head == "*" or head == words[0]) and _match(rest, words[1:])


def expiration_ms(delay_seconds: float) -> int:
    """A retry delay as the whole milliseconds RabbitMQ's `expiration` property takes."""
    if math.isnan(delay_seconds) or delay_seconds <= 0:
        return 0
    return math.ceil(delay_seconds * 1000)


def work_queue_arguments(quorum: bool) -> dict[str, Any]:
    return {"x-queue-type": "quorum"} if quorum else {}


def tier_queue_arguments(quorum: bool) -> dict[str, Any]:
    """Expired retries dead-letter to `hub.requeue`, keeping their routing key (the queue)."""
    args: dict[str, Any] = {"x-dead-letter-exchange": REQUEUE_EXCHANGE}
    if quorum:
        # RabbitMQ 3.10+: quorum queues dead-letter with confirms only when asked to.
        args |= {
            "x-queue-type": "quorum",
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        }
    return args


async def declare(
    channel: AbstractChannel, topology: Topology, quorum: bool
) -> dict[str, AbstractExchange]:
    """Declare every exchange, queue and binding; safe to run again with the same topology.

    Declaring an existing queue with other arguments (say, classic after quorum) makes
    RabbitMQ close the channel with PRECONDITION_FAILED; the queue must be deleted first.
    """
    exchanges: dict[str, AbstractExchange] = {}
    for x in topology.exchanges:
        exchanges[x.name] = await channel.declare_exchange(
            x.name, type=x.kind.value, durable=x.durable
        )
    for spec in topology.work_queues:
        await declare_work_queue(channel, spec, quorum)
    for tier in topology.delay_tiers:
        queue = await channel.declare_queue(
            tier.queue, durable=True, arguments=tier_queue_arguments(quorum)
        )
        await queue.bind(DELAY_EXCHANGE, routing_key="", arguments=topology.tier_arguments(tier))
    return exchanges


async def declare_work_queue(
    channel: AbstractChannel, spec: QueueSpec, quorum: bool
) -> AbstractQueue:
    """Declare one work queue with its `hub.events` patterns and its `hub.requeue` binding."""
    queue = await channel.declare_queue(
        spec.name, durable=True, arguments=work_queue_arguments(quorum)
    )
    for pattern in spec.bindings:
        await queue.bind(EVENTS_EXCHANGE, routing_key=pattern)
    await queue.bind(REQUEUE_EXCHANGE, routing_key=spec.name)
    return queue
