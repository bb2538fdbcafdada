"""The relay on the embedded broker: mark after the confirm, skip in-flight rows, stop cleanly."""

from __future__ import annotations

import asyncio
from typing import Any

from hub.messaging import Consumer, EmbeddedBroker, Relay
from hub.messaging.errors import PublishFailed
from hub.messaging.topology import JOBS_QUEUE
from hub.ports import Envelope, UnitOfWork
from tests.unit.test_messaging_fakes import (
    FakeDatabase,
    FakeParking,
    InMemoryOutbox,
    envelope,
    eventually,
    recording_handler,
    settings,
    uow_factory,
)


class GatedHandler:
    """Holds every message until `gate` opens; records what it applied."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.calls: list[str] = []

    async def __call__(self, env: Envelope, uow: UnitOfWork) -> None:
        self.calls.append(env.message_id)
        await self.gate.wait()
        uow.record(env.message_id)  # type: ignore[arg-type]


async def start_stack(
    handler: Any, **changes: Any
) -> tuple[EmbeddedBroker, Consumer, FakeDatabase]:
    s = settings(**changes)
    broker = EmbeddedBroker()
    await broker.connect()
    db = FakeDatabase()
    consumer = Consumer("hub.jobs", JOBS_QUEUE, handler, broker, uow_factory(db), FakeParking(),
                        s, requeue_pause_seconds=0.01, stop_grace_seconds=0.5)
    await consumer.start()
    return broker, consumer, db


async def test_rows_are_marked_published_only_after_the_confirm() -> None:
    handler = GatedHandler()
    broker, consumer, db = await start_stack(handler)
    store = InMemoryOutbox()
    rows = [store.add(envelope(i)) for i in range(5)]
    relay = Relay(store, broker, settings(), "test-holder")
    await relay.start()
    await eventually(lambda: len(handler.calls) == 5)
    await asyncio.sleep(0.1)
    assert store.published_ids() == set(), "delivered but not settled: nothing is marked"
    assert await store.pending_count() == 5
    handler.gate.set()
    await eventually(lambda: store.published_ids() == {r.id for r in rows})
    assert relay.published == 5 and relay.failed == 0
    assert len(store.mark_calls) < 5, "confirmed ids are flushed together"
    await relay.stop()
    await consumer.stop()
    await broker.close()
    assert sorted(db.effects) == sorted(r.message_id for r in rows)


async def test_crash_like_stop_leaves_unconfirmed_rows_unpublished() -> None:
    handler = GatedHandler()
    broker, consumer, db = await start_stack(handler)
    store = InMemoryOutbox()
    for i in range(3):
        store.add(envelope(i))
    relay = Relay(store, broker, settings(relay_lease_seconds=0.05), "test-holder",
                  stop_grace_seconds=0.05)
    await relay.start()
    await eventually(lambda: len(handler.calls) == 3)
    await relay.stop()  # the grace period runs out: the publishes are abandoned
    await consumer.stop()
    await broker.close()  # the process "dies": the in-memory queues are gone
    assert store.published_ids() == set()
    assert await store.pending_count() == 3
    assert db.effects == []

    # After the restart a new relay sends them again, and they are applied once each.
    handler2 = GatedHandler()
    handler2.gate.set()
    broker2, consumer2, db2 = await start_stack(handler2)
    relay2 = Relay(store, broker2, settings(relay_lease_seconds=0.05), "restarted")
    await asyncio.sleep(0.06)  # the first relay's leases expire
    await relay2.start()
    await eventually(lambda: len(store.published_ids()) == 3)
    await relay2.stop()
    await consumer2.stop()
    await broker2.close()
    assert len(db2.effects) == 3


async def test_rows_in_flight_are_not_published_twice_when_their_lease_expires() -> None:
    handler = GatedHandler()
    broker, consumer, _db = await start_stack(handler)
    store = InMemoryOutbox()
    for i in range(4):
        store.add(envelope(i))
    relay = Relay(store, broker, settings(relay_lease_seconds=0.01, relay_poll_seconds=0.01),
                  "holder")
    await relay.start()
    await asyncio.sleep(0.2)  # many rounds, every lease long expired
    handler.gate.set()
    await eventually(lambda: len(store.published_ids()) == 4)
    await relay.stop()
    await consumer.stop()
    await broker.close()
    assert len(handler.calls) == 4, "each row was published once"


async def test_publish_failure_leaves_the_row_for_a_later_round() -> None:
    class FlakyBroker(EmbeddedBroker):
        failures = 2

        async def publish(self, *args: Any, **kwargs: Any) -> None:
            if self.failures:
                self.failures -= 1
                raise PublishFailed("no confirm")
            await super().publish(*args, **kwargs)

    broker = FlakyBroker()
    await broker.connect()
    db = FakeDatabase()
    consumer = Consumer("hub.jobs", JOBS_QUEUE, recording_handler(), broker, uow_factory(db),
                        FakeParking(), settings())
    await consumer.start()
    store = InMemoryOutbox()
    row = store.add(envelope(1))
    relay = Relay(store, broker, settings(relay_lease_seconds=0.05), "holder",
                  max_backoff_seconds=0.05)
    await relay.start()
    await eventually(lambda: store.published_ids() == {row.id})
    await relay.stop()
    await consumer.stop()
    await broker.close()
    assert relay.failed == 2 and relay.published == 1
    assert db.effects == [row.message_id]


async def test_failed_marking_is_retried_and_the_rows_are_not_sent_again() -> None:
    broker, consumer, db = await start_stack(recording_handler())
    store = InMemoryOutbox()
    store.fail_mark = True
    rows = [store.add(envelope(i)) for i in range(3)]
    relay = Relay(store, broker, settings(relay_lease_seconds=0.02, relay_poll_seconds=0.01),
                  "holder")
    await relay.start()
    await eventually(lambda: len(db.effects) == 3)
    await asyncio.sleep(0.1)  # leases expire while the marks fail
    store.fail_mark = False
    await eventually(lambda: store.published_ids() == {r.id for r in rows})
    await relay.stop()
    await consumer.stop()
    await broker.close()
    assert consumer.stats.duplicates == 0, "confirmed rows were not leased and sent again"


async def test_wake_skips_the_poll_interval() -> None:
    broker, consumer, _db = await start_stack(recording_handler())
    store = InMemoryOutbox()
    relay = Relay(store, broker, settings(relay_poll_seconds=30.0), "holder")
    await relay.start()
    await asyncio.sleep(0.05)  # the relay is now idle for 30 s
    row = store.add(envelope(1))
    relay.wake()
    await eventually(lambda: store.published_ids() == {row.id}, within=2)
    await relay.stop()
    await consumer.stop()
    await broker.close()


async def test_lease_failure_backs_off_and_recovers() -> None:
    broker, consumer, _db = await start_stack(recording_handler())
    store = InMemoryOutbox()
    store.fail_lease = True
    row = store.add(envelope(1))
    relay = Relay(store, broker, settings(relay_poll_seconds=0.01), "holder",
                  max_backoff_seconds=0.05)
    await relay.start()
    await asyncio.sleep(0.1)
    store.fail_lease = False
    await eventually(lambda: store.published_ids() == {row.id})
    await relay.stop()
    await consumer.stop()
    await broker.close()


async def test_in_flight_is_bounded() -> None:
    handler = GatedHandler()
    broker, consumer, _db = await start_stack(handler, consumer_prefetch=100)
    store = InMemoryOutbox()
    for i in range(30):
        store.add(envelope(i))
    relay = Relay(store, broker, settings(relay_max_in_flight=7, relay_batch_size=5), "holder")
    await relay.start()
    await asyncio.sleep(0.2)
    assert relay.in_flight == 7
    assert len(handler.calls) == 7
    handler.gate.set()
    await eventually(lambda: len(store.published_ids()) == 30)
    await relay.stop()
    await consumer.stop()
    await broker.close()


async def test_relay_leases_nothing_while_the_broker_is_down() -> None:
    broker = EmbeddedBroker()  # not connected yet: ping() is False
    store = InMemoryOutbox()
    row = store.add(envelope(1))
    relay = Relay(store, broker, settings(relay_poll_seconds=0.01), "holder")
    await relay.start()
    await asyncio.sleep(0.15)
    assert relay.failed == 0
    assert len(await store.lease(10, "someone-else", 0.01)) == 1, "the row was never leased"
    await asyncio.sleep(0.02)
    db = FakeDatabase()
    await broker.connect()
    consumer = Consumer("hub.jobs", JOBS_QUEUE, recording_handler(), broker, uow_factory(db),
                        FakeParking(), settings())
    await consumer.start()
    await eventually(lambda: store.published_ids() == {row.id})
    await relay.stop()
    await consumer.stop()
    await broker.close()
    assert db.effects == [row.message_id]
