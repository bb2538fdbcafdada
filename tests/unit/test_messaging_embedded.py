"""The embedded broker, topology and codec: routing, settle-before-confirm, retries, prefetch."""

from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal

import pytest

from hub.domain.errors import PermanentError, TransientError, ValidationFailed
from hub.messaging import (
    EmbeddedBroker,
    PublishFailed,
    QueueSpec,
    RabbitBroker,
    TopologyError,
    UndecodableMessage,
    create_broker,
    decode,
    default_topology,
    encode,
    topic_matches,
)
from hub.messaging.errors import BrokerClosed
from hub.messaging.topology import JOBS_QUEUE, Topology
from hub.ports import Delivery, Envelope, Settlement
from tests.unit.test_messaging_fakes import eventually, settings


class Recorder:
    def __init__(self) -> None:
        self.seen: list[Delivery] = []

    async def __call__(self, d: Delivery) -> Settlement:
        self.seen.append(d)
        return Settlement.ACK


def topology_with(*queues: QueueSpec) -> Topology:
    base = default_topology()
    return Topology(base.exchanges, queues, base.delay_tiers)


# --------------------------------------------------------------------------- topology


@pytest.mark.parametrize(
    ("pattern", "key", "matches"),
    [
        ("confirmation.submitted", "confirmation.submitted", True),
        ("confirmation.submitted", "confirmation.submitted.x", False),
        ("confirmation.status.*", "confirmation.status.authorised", True),
        ("confirmation.status.*", "confirmation.status", False),
        ("confirmation.status.*", "confirmation.status.a.b", False),
        ("confirmation.#", "confirmation", True),
        ("confirmation.#", "confirmation.status.authorised", True),
        ("#", "anything.at.all", True),
        ("#.authorised", "confirmation.status.authorised", True),
        ("#.authorised", "confirmation.status.rejected", False),
        ("*.status.#", "confirmation.status", True),
        ("*.status.#", "status", False),
        ("a.#.z", "a.z", True),
        ("a.#.z", "a.b.c.z", True),
        ("a.#.z", "a.b.c", False),
    ],
)
def test_topic_matching(pattern: str, key: str, matches: bool) -> None:
    assert topic_matches(pattern, key) is matches


def test_default_topology_has_the_queues_of_the_design() -> None:
    t = default_topology()
    assert {q.name for q in t.work_queues} == {
        "hub.jobs", "adapter.bank_api", "adapter.portal", "adapter.audit_software", "hub.inbound",
    }
    assert {x.name: x.kind.value for x in t.exchanges} == {
        "hub.events": "topic", "hub.delay": "headers", "hub.requeue": "direct",
    }
    assert t.work_queue("hub.jobs").bindings == (
        "confirmation.status.authorised", "confirmation.status.verified", "reply.received")
    assert t.work_queue("adapter.portal").bindings == (
        "letter.dispatched.portal", "letter.second_request.portal")
    extended = t.with_bindings("hub.inbound", "reply.received")
    assert extended.work_queue("hub.inbound").bindings == ("reply.received",)
    assert t.work_queue("hub.inbound").bindings == ()


def test_delay_tiers_bound_the_wait_of_a_short_delay_behind_a_long_one() -> None:
    t = default_topology()
    assert t.tier_for(0.01).n == 0
    assert t.tier_for(1.0).n == 0
    assert t.tier_for(1.5).n == 1
    assert t.tier_for(300).n == 9  # 256 < 300 <= 512
    assert t.tier_for(10**9) == t.delay_tiers[-1]
    for delay in (1.0, 1.01, 3.0, 100.0, 1000.5, 16384.0):
        assert delay <= t.tier_for(delay).max_seconds < 2 * delay
    assert t.tier_arguments(t.delay_tiers[3]) == {"x-match": "all-with-x", "x-delay-tier": 3}


def test_unknown_queue_is_a_clear_error() -> None:
    with pytest.raises(TopologyError, match="no work queue named 'nope'"):
        default_topology().work_queue("nope")


# --------------------------------------------------------------------------- codec


def test_codec_round_trips_and_keeps_money_exact() -> None:
    env = Envelope(message_id="m-1", type="confirmation.submitted", occurred_at="2025-01-02",
                   data={"amount": Decimal("1234567.89"), "名称": "银行"}, correlation_id="c")
    body = encode(env)
    assert json.loads(body)["data"]["amount"] == "1234567.89"
    assert "银行".encode() in body
    back = decode(body)
    assert back.message_id == "m-1" and back.correlation_id == "c"
    assert back.data == {"amount": "1234567.89", "名称": "银行"}


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b"\xff\xfe", "not UTF-8 JSON"),
        (b"{not json", "not UTF-8 JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"type": "t", "occurred_at": "x", "data": {}}', "no 'message_id'"),
        (b'{"message_id": 7, "type": "t", "occurred_at": "x", "data": {}}', "must be str"),
        (b'{"message_id": "m", "type": "t", "occurred_at": "x", "data": []}', "must be dict"),
        (b'{"message_id": "", "type": "t", "occurred_at": "x", "data": {}}', "is empty"),
    ],
)
def test_decode_errors_are_permanent_and_say_why(body: bytes, needle: str) -> None:
    with pytest.raises(UndecodableMessage, match=needle) as info:
        decode(body)
    assert isinstance(info.value, PermanentError)


# --------------------------------------------------------------------------- factory


def test_factory_picks_the_broker_from_the_url() -> None:
    assert isinstance(create_broker(settings("embedded://")), EmbeddedBroker)
    assert isinstance(create_broker(settings("amqp://guest:guest@localhost/")), RabbitBroker)
    with pytest.raises(ValidationFailed) as info:
        create_broker(settings("kafka://x"))
    assert info.value.field == "broker_url"


# --------------------------------------------------------------------------- embedded broker


async def test_routes_by_topic_with_star_and_hash() -> None:
    broker = EmbeddedBroker(topology_with(
        QueueSpec("exact", ("confirmation.submitted",)),
        QueueSpec("star", ("confirmation.status.*",)),
        QueueSpec("hash", ("confirmation.#",)),
        QueueSpec("none"),
    ))
    assert sorted(broker.route("hub.events", "confirmation.submitted")) == ["exact", "hash"]
    assert sorted(broker.route("hub.events", "confirmation.status.authorised")) == ["hash", "star"]
    assert broker.route("hub.events", "confirmation") == ["hash"]
    assert broker.route("hub.events", "engagement.created") == []
    assert broker.route("hub.requeue", "star") == ["star"]

    await broker.connect()
    seen: dict[str, list[str]] = {"exact": [], "star": [], "hash": [], "none": []}

    def record(queue: str):
        async def cb(d: Delivery) -> Settlement:
            seen[queue].append(d.routing_key)
            return Settlement.ACK
        return cb

    for q in seen:
        await broker.consume(q, record(q), prefetch=4)
    await broker.publish("hub.events", "confirmation.status.authorised", b"{}", message_id="1")
    await broker.publish("hub.events", "confirmation.submitted", b"{}", message_id="2")
    assert seen == {
        "exact": ["confirmation.submitted"],
        "star": ["confirmation.status.authorised"],
        "hash": ["confirmation.status.authorised", "confirmation.submitted"],
        "none": [],
    }
    await broker.close()


async def test_publish_returns_only_after_every_queue_settled_it() -> None:
    broker = EmbeddedBroker(topology_with(QueueSpec("a", ("k",)), QueueSpec("b", ("k",))))
    await broker.connect()
    release = {"a": asyncio.Event(), "b": asyncio.Event()}

    def gated(queue: str):
        async def cb(d: Delivery) -> Settlement:
            await release[queue].wait()
            return Settlement.ACK
        return cb

    await broker.consume("a", gated("a"), prefetch=1)
    await broker.consume("b", gated("b"), prefetch=1)
    publish = asyncio.create_task(broker.publish("hub.events", "k", b"{}", message_id="m"))
    await asyncio.sleep(0.05)
    assert not publish.done(), "enqueued is not settled"
    release["a"].set()
    await asyncio.sleep(0.05)
    assert not publish.done(), "one queue of two settled is not enough"
    release["b"].set()
    await asyncio.wait_for(publish, 1)
    await broker.close()


async def test_unroutable_message_is_confirmed_at_once() -> None:
    broker = EmbeddedBroker()
    await broker.connect()
    await asyncio.wait_for(
        broker.publish("hub.events", "nobody.listens", b"{}", message_id="m"), 0.5
    )
    with pytest.raises(PublishFailed, match="retry_later"):
        await broker.publish("hub.delay", "hub.jobs", b"{}", message_id="m")
    await broker.close()


async def test_requeue_redelivers_and_close_fails_waiting_publishes() -> None:
    broker = EmbeddedBroker()
    await broker.connect()
    attempts: list[int] = []

    async def cb(d: Delivery) -> Settlement:
        attempts.append(d.attempt)
        return Settlement.REQUEUE if len(attempts) < 3 else Settlement.ACK

    await broker.consume(JOBS_QUEUE, cb, prefetch=1)
    await asyncio.wait_for(
        broker.publish("hub.events", "confirmation.status.authorised", b"{}", message_id="m"), 1
    )
    assert attempts == [1, 1, 1]  # a requeue is not a new attempt

    async def never(d: Delivery) -> Settlement:
        await asyncio.Event().wait()
        return Settlement.ACK

    broker2 = EmbeddedBroker()
    await broker2.connect()
    await broker2.consume(JOBS_QUEUE, never, prefetch=1)
    publish = asyncio.create_task(
        broker2.publish("hub.events", "confirmation.status.authorised", b"{}", message_id="m")
    )
    await asyncio.sleep(0.02)
    await broker2.close()
    with pytest.raises(BrokerClosed):
        await publish
    await broker.close()


async def test_prefetch_limits_unsettled_deliveries() -> None:
    broker = EmbeddedBroker()
    await broker.connect()
    running = 0
    most = 0

    async def cb(d: Delivery) -> Settlement:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        running -= 1
        return Settlement.ACK

    await broker.consume(JOBS_QUEUE, cb, prefetch=3)
    await asyncio.gather(*(
        broker.publish("hub.events", "confirmation.status.authorised", b"{}", message_id=str(i))
        for i in range(20)
    ))
    assert most == 3
    await broker.close()


async def test_retry_later_comes_back_after_the_delay_to_that_queue_only() -> None:
    broker = EmbeddedBroker(topology_with(QueueSpec("a", ("k",)), QueueSpec("b", ("k",))))
    await broker.connect()
    seen: list[tuple[str, int, str, float]] = []
    start = time.monotonic()

    def cb_for(queue: str):
        async def cb(d: Delivery) -> Settlement:
            seen.append((queue, d.attempt, d.routing_key, time.monotonic() - start))
            if queue == "a" and d.attempt == 1:
                await broker.retry_later("a", d.routing_key, d.body, message_id=d.message_id,
                                         attempt=2, delay_seconds=0.1)
            return Settlement.ACK
        return cb

    await broker.consume("a", cb_for("a"), prefetch=2)
    await broker.consume("b", cb_for("b"), prefetch=2)
    publish = asyncio.create_task(broker.publish("hub.events", "k", b"{}", message_id="m"))
    await eventually(lambda: len(seen) >= 2)
    assert not publish.done(), "the publish waits through the retry"
    await asyncio.wait_for(publish, 1)
    assert sorted((q, a, rk) for q, a, rk, _ in seen) == [
        ("a", 1, "k"), ("a", 2, "k"), ("b", 1, "k"),
    ]
    retry_at = next(t for q, a, _, t in seen if a == 2)
    assert retry_at >= 0.1
    await broker.close()


async def test_closed_broker_refuses_work() -> None:
    broker = EmbeddedBroker()
    assert not await broker.ping()
    with pytest.raises(BrokerClosed):
        await broker.publish("hub.events", "k", b"{}", message_id="m")
    await broker.connect()
    assert await broker.ping()
    with pytest.raises(TopologyError):
        await broker.consume("nope", Recorder(), prefetch=1)
    await broker.close()
    assert not await broker.ping()
    assert isinstance(BrokerClosed("x"), TransientError)
