"""The messaging layer against a real RabbitMQ (and, where it applies, the embedded broker too)."""

from __future__ import annotations

import asyncio
import subprocess
import time
from typing import Any
from urllib.parse import urlsplit

import pytest

from hub.domain.errors import PermanentError, TransientError
from hub.messaging import (
    Consumer,
    EmbeddedBroker,
    PublishReturned,
    RabbitBroker,
    Relay,
    TopologyError,
    declare,
    default_topology,
    encode,
)
from hub.messaging.topology import JOBS_QUEUE, PORTAL_QUEUE, Topology
from hub.ports import Broker, Delivery, Envelope, Settlement, UnitOfWork
from tests.unit.test_messaging_fakes import (
    FakeDatabase,
    FakeParking,
    InMemoryOutbox,
    envelope,
    eventually,
    settings,
    uow_factory,
)

pytestmark = pytest.mark.rabbitmq

KEY = "confirmation.status.authorised"  # bound to hub.jobs


def make_broker(url: str, topology: Topology | None = None, quorum: bool = False,
                **kwargs: Any) -> Broker:
    if url.startswith("embedded:"):
        return EmbeddedBroker(topology)
    return RabbitBroker(url, quorum, topology=topology, **kwargs)


def vhost_of(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def rabbitmqctl(*args: str) -> str:
    done = subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True,
                          text=True, timeout=120)
    return done.stdout


def queue_types(url: str) -> dict[str, str]:
    out = rabbitmqctl("list_queues", "-p", vhost_of(url), "name", "type")
    rows = [line.split("\t") for line in out.splitlines() if "\t" in line]
    return {name: kind for name, kind in rows if name != "name"}


def queue_depths(url: str) -> dict[str, int]:
    out = rabbitmqctl("list_queues", "-p", vhost_of(url), "name", "messages")
    rows = [line.split("\t") for line in out.splitlines() if "\t" in line]
    return {name: int(n) for name, n in rows if name != "name"}


class Recorder:
    """A delivery callback that records what it saw."""

    def __init__(self) -> None:
        self.seen: list[Delivery] = []

    async def __call__(self, d: Delivery) -> Settlement:
        self.seen.append(d)
        return Settlement.ACK


class SpyBroker:
    """Passes everything to a real broker, recording the deliveries its consumers get."""

    def __init__(self, inner: Broker) -> None:
        self.inner = inner
        self.seen: list[Delivery] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def consume(self, queue: str, callback: Any, *, prefetch: int) -> Any:
        async def spy(d: Delivery) -> Settlement:
            self.seen.append(d)
            return await callback(d)

        return await self.inner.consume(queue, spy, prefetch=prefetch)


# --------------------------------------------------------------------------- topology


async def test_declaring_the_topology_twice_is_harmless(amqp_url: str) -> None:
    first = RabbitBroker(amqp_url)
    await first.connect()
    await first.connect()
    second = RabbitBroker(amqp_url)
    await second.connect()
    channel = await second._connection.channel()  # type: ignore[union-attr]
    await declare(channel, default_topology(), quorum=False)
    await channel.close()
    recorder = Recorder()
    sub = await first.consume(JOBS_QUEUE, recorder, prefetch=5)
    await second.publish("hub.events", KEY, b"{}", message_id="once")
    await eventually(lambda: len(recorder.seen) == 1)
    await asyncio.sleep(0.2)
    assert [d.message_id for d in recorder.seen] == ["once"], "bindings were not doubled"
    await sub.close()
    await first.close()
    await second.close()
    kinds = queue_types(amqp_url)
    assert kinds["hub.jobs"] == "classic"
    assert {f"hub.delay.{n}" for n in range(15)} <= set(kinds)


async def test_quorum_queues_are_selectable(amqp_url: str) -> None:
    broker = RabbitBroker(amqp_url, quorum_queues=True)
    await broker.connect()
    kinds = queue_types(amqp_url)
    assert kinds["hub.jobs"] == "quorum"
    assert kinds["adapter.bank_api"] == "quorum"
    assert kinds["hub.delay.0"] == "quorum"
    await broker.close()
    classic = RabbitBroker(amqp_url, quorum_queues=False)
    with pytest.raises(TopologyError, match="quorum_queues changed"):
        await classic.connect()


# --------------------------------------------------------------------------- publish, consume


async def test_publish_waits_for_the_confirm_and_the_message_is_consumed(amqp_url: str) -> None:
    broker = RabbitBroker(amqp_url)
    assert not await broker.ping()
    await broker.connect()
    assert await broker.ping()
    recorder = Recorder()
    sub = await broker.consume(JOBS_QUEUE, recorder, prefetch=10)
    env = envelope(1)
    await broker.publish("hub.events", "confirmation.status.authorised", encode(env),
                         message_id=env.message_id)
    await eventually(lambda: len(recorder.seen) == 1)
    [d] = recorder.seen
    assert (d.queue, d.routing_key, d.message_id, d.attempt) == (
        JOBS_QUEUE, "confirmation.status.authorised", env.message_id, 1,
    )
    assert d.body == encode(env)
    # An event nobody subscribes to is done with; a message for a queue that is not there
    # (a replay through hub.requeue) is an error, and a transient one.
    await broker.publish("hub.events", "nobody.listens", b"{}", message_id="x")
    with pytest.raises(PublishReturned) as info:
        await broker.publish("hub.requeue", "no.such.queue", b"{}", message_id="y")
    assert isinstance(info.value, TransientError)
    await sub.close()
    await broker.close()
    assert not await broker.ping()


async def test_persistent_messages_wait_in_the_queue_for_a_consumer(amqp_url: str) -> None:
    broker = RabbitBroker(amqp_url)
    await broker.connect()
    await asyncio.gather(*(
        broker.publish("hub.events", KEY, b"{}", message_id=f"m{i}") for i in range(50)
    ))
    assert queue_depths(amqp_url)["hub.jobs"] == 50
    await broker.close()


# --------------------------------------------------------------------------- retry and park


@pytest.mark.parametrize("quorum", [False, True], ids=["classic", "quorum"])
async def test_retry_comes_back_only_to_the_failing_queue_as_attempt_2(
    broker_url: str, quorum: bool
) -> None:
    topology = default_topology().with_bindings(PORTAL_QUEUE, KEY)
    broker = make_broker(broker_url, topology, quorum)
    await broker.connect()
    s = settings(broker_url, retry_base_seconds=0.3, retry_max_seconds=1.0)
    jobs_seen: list[tuple[int, str, float]] = []
    db = FakeDatabase()

    async def fails_once(env: Envelope, uow: UnitOfWork) -> None:
        jobs_seen.append((len(jobs_seen) + 1, env.message_id, time.monotonic()))
        if len(jobs_seen) == 1:
            raise TransientError("renderer busy")
        uow.record(env.message_id)  # type: ignore[arg-type]

    spy = SpyBroker(broker)
    consumer = Consumer("hub.jobs", JOBS_QUEUE, fails_once, spy, uow_factory(db),
                        FakeParking(), s, rand=lambda: 1.0)
    await consumer.start()
    portal = Recorder()
    portal_sub = await broker.consume(PORTAL_QUEUE, portal, prefetch=5)
    env = envelope(1)
    publish = asyncio.create_task(
        broker.publish("hub.events", KEY, encode(env), message_id=env.message_id)
    )
    await eventually(lambda: len(db.effects) == 1)
    await publish
    await asyncio.sleep(0.3)
    assert [(d.attempt, d.routing_key, d.message_id) for d in spy.seen] == [
        (1, KEY, env.message_id), (2, KEY, env.message_id),
    ]
    assert jobs_seen[1][2] - jobs_seen[0][2] >= 0.29
    assert [(d.attempt, d.message_id) for d in portal.seen] == [(1, env.message_id)]
    assert db.effects == [env.message_id]
    await consumer.stop()
    await portal_sub.close()
    await broker.close()


async def test_park_after_max_attempts(broker_url: str) -> None:
    broker = make_broker(broker_url)
    await broker.connect()
    s = settings(broker_url, retry_max_attempts=3, retry_base_seconds=0.05)
    calls: list[float] = []

    async def always_down(env: Envelope, uow: UnitOfWork) -> None:
        calls.append(time.monotonic())
        raise ConnectionRefusedError("bank api refused")

    parking = FakeParking()
    consumer = Consumer("hub.jobs", JOBS_QUEUE, always_down, broker, uow_factory(FakeDatabase()),
                        parking, s)
    await consumer.start()
    env = envelope(1)
    publish = asyncio.create_task(
        broker.publish("hub.events", KEY, encode(env), message_id=env.message_id)
    )
    await eventually(lambda: len(parking.parked) == 1)
    await publish
    await asyncio.sleep(0.3)
    assert len(calls) == 3
    [parked] = parking.parked
    assert parked.attempts == 3
    assert parked.reason == "ConnectionRefusedError: bank api refused (gave up after 3 attempts)"
    assert parked.routing_key == KEY and parked.queue == JOBS_QUEUE
    assert parked.envelope["message_id"] == env.message_id
    await consumer.stop()
    await broker.close()
    if not broker_url.startswith("embedded:"):
        depths = queue_depths(broker_url)
        assert sum(depths.values()) == 0, depths


async def test_a_message_that_cannot_be_parked_is_requeued_not_lost(broker_url: str) -> None:
    broker = make_broker(broker_url)
    await broker.connect()

    async def refuses(env: Envelope, uow: UnitOfWork) -> None:
        raise PermanentError("responder not registered")

    parking = FakeParking()
    parking.fail = True  # the database is down
    spy = SpyBroker(broker)
    consumer = Consumer("hub.jobs", JOBS_QUEUE, refuses, spy, uow_factory(FakeDatabase()),
                        parking, settings(broker_url), requeue_pause_seconds=0.05)
    await consumer.start()
    env = envelope(1)
    publish = asyncio.create_task(
        broker.publish("hub.events", KEY, encode(env), message_id=env.message_id)
    )
    await eventually(lambda: consumer.stats.requeued >= 3)
    parking.fail = False
    await eventually(lambda: len(parking.parked) == 1)
    await publish
    assert {d.message_id for d in spy.seen} == {env.message_id}
    assert {d.attempt for d in spy.seen} == {1}, "a requeue is not a new attempt"
    assert parking.parked[0].reason == "PermanentError: responder not registered"
    await consumer.stop()
    await broker.close()


# --------------------------------------------------------------------------- relay + consumer


async def run_pipeline(broker: Broker, s: Any, count: int) -> tuple[FakeDatabase, float, Relay]:
    db = FakeDatabase()

    async def apply(env: Envelope, uow: UnitOfWork) -> None:
        uow.record(env.message_id)  # type: ignore[arg-type]

    consumer = Consumer("hub.jobs", JOBS_QUEUE, apply, broker, uow_factory(db), FakeParking(), s)
    await consumer.start()
    store = InMemoryOutbox()
    ids = {store.add(envelope(i)).message_id for i in range(count)}
    relay = Relay(store, broker, s, "bench")
    started = time.monotonic()
    await relay.start()
    await eventually(lambda: len(db.effects) >= count and relay.published == count, within=60)
    elapsed = time.monotonic() - started
    await relay.stop()
    await asyncio.sleep(0.2)
    await consumer.stop()
    assert sorted(db.effects) == sorted(ids), "each message applied exactly once"
    assert await store.pending_count() == 0
    return db, elapsed, relay


async def test_relay_and_consumer_apply_500_messages_exactly_once(broker_url: str) -> None:
    broker = make_broker(broker_url)
    await broker.connect()
    s = settings(broker_url, consumer_prefetch=32, relay_batch_size=200)
    _, elapsed, relay = await run_pipeline(broker, s, 500)
    await broker.close()
    print(f"\n{broker_url.split(':')[0]}: 500 messages relayed and applied in {elapsed:.2f} s "
          f"({500 / elapsed:.0f}/s), relay failed={relay.failed}")


# --------------------------------------------------------------------------- broker restart


@pytest.mark.slow
async def test_relay_and_consumer_survive_a_rabbitmq_restart(amqp_url: str) -> None:
    confirm_timeout = 2.0
    topology = default_topology().with_bindings(PORTAL_QUEUE, "probe.#")
    broker = RabbitBroker(amqp_url, topology=topology, confirm_timeout=confirm_timeout,
                          reconnect_interval=0.5)
    await broker.connect()
    s = settings(amqp_url, relay_lease_seconds=3.0, relay_poll_seconds=0.05,
                 consumer_prefetch=16)
    db = FakeDatabase()

    async def apply(env: Envelope, uow: UnitOfWork) -> None:
        uow.record(env.message_id)  # type: ignore[arg-type]

    consumer = Consumer("hub.jobs", JOBS_QUEUE, apply, broker, uow_factory(db), FakeParking(), s)
    await consumer.start()
    store = InMemoryOutbox()
    relay = Relay(store, broker, s, "restart-test", max_backoff_seconds=1.0)
    await relay.start()
    ids: list[str] = []
    producing = True
    probe_outcomes: list[tuple[str, float]] = []

    async def produce() -> None:
        n = 0
        while producing:
            for _ in range(10):
                ids.append(store.add(envelope(n)).message_id)
                n += 1
            relay.wake()
            await asyncio.sleep(0.05)

    async def probe() -> None:
        # Publishes straight to the broker all through the outage: each must end, one way
        # or the other, within the confirm timeout (none may hang).
        n = 0
        while producing:
            started = time.monotonic()
            try:
                await broker.publish("hub.events", "probe.x", b"{}", message_id=f"p{n}")
                outcome = "ok"
            except TransientError as e:
                outcome = type(e).__name__
            probe_outcomes.append((outcome, time.monotonic() - started))
            n += 1
            await asyncio.sleep(0.02)

    tasks = [asyncio.create_task(produce()), asyncio.create_task(probe())]
    try:
        await asyncio.sleep(1.5)
        assert len(db.effects) > 0
        await asyncio.to_thread(rabbitmqctl, "stop_app")
        try:
            produced_before_outage = len(ids)
            await asyncio.sleep(3.0)
            assert not await broker.ping()
            produced_during_outage = len(ids) - produced_before_outage
        finally:
            await asyncio.to_thread(rabbitmqctl, "start_app")
        await asyncio.to_thread(rabbitmqctl, "await_startup")
        deadline = time.monotonic() + 30
        while not await broker.ping():
            assert time.monotonic() < deadline, "the broker did not reconnect by itself"
            await asyncio.sleep(0.1)
        await asyncio.sleep(2.0)  # keep producing after the restart
    finally:
        producing = False
        await asyncio.gather(*tasks)
    await eventually(lambda: len(set(db.effects)) == len(ids), within=60)
    await eventually(lambda: store.published_ids() == set(range(1, len(ids) + 1)), within=30)
    await relay.stop()
    await consumer.stop()
    await broker.close()
    assert produced_during_outage > 0
    assert len(db.effects) == len(set(db.effects)), "no message applied twice"
    assert set(db.effects) == set(ids), "no message missing"
    failures = [o for o, _ in probe_outcomes if o != "ok"]
    assert failures, "publishing during the outage failed (rather than pretending)"
    assert probe_outcomes[-1][0] == "ok", "publishing works again after the restart"
    assert max(d for _, d in probe_outcomes) < confirm_timeout + 1.0, "no publish hung"
    print(f"\nrestart: {len(ids)} messages ({produced_during_outage} during the outage), "
          f"duplicates dropped={consumer.stats.duplicates}, probe failures="
          f"{sorted(set(failures))} x{len(failures)}, "
          f"longest publish={max(d for _, d in probe_outcomes):.2f} s")
