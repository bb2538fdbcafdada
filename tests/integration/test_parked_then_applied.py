"""A message parked by one delivery and applied by another (a crash, a redelivery, a retry
that was already scheduled) leaves no parked row behind; a replay never applies it twice."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db import SqlAlchemyParkingStore, uow_factory
from hub.domain.errors import PermanentError
from hub.infra.clocks import FrozenClock
from hub.messaging import Consumer, EmbeddedBroker, encode
from hub.messaging.topology import BANK_API_QUEUE
from hub.ports import Envelope, UnitOfWork
from tests.unit.test_messaging_fakes import envelope, eventually, settings

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
KEY = "letter.dispatched.bank_api_push"


class FlakyBank:
    """Refuses the first delivery of each message for good, accepts any later one."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}
        self.delivered: list[str] = []

    async def __call__(self, env: Envelope, uow: UnitOfWork) -> None:
        self.seen[env.message_id] = self.seen.get(env.message_id, 0) + 1
        if self.seen[env.message_id] == 1:
            raise PermanentError("the bank answered 400 (a fault it has since mended)")
        self.delivered.append(env.message_id)


async def flaky_bank_queue(engine: AsyncEngine, clock: FrozenClock
                           ) -> tuple[SqlAlchemyParkingStore, EmbeddedBroker, FlakyBank, Consumer]:
    """The bank API queue's consumer on the embedded broker, delivering to a FlakyBank,
    started: (its parking store, the broker, the bank, the consumer)."""
    parking = SqlAlchemyParkingStore(engine, clock)
    broker = EmbeddedBroker()
    bank = FlakyBank()
    consumer = Consumer(BANK_API_QUEUE, BANK_API_QUEUE, bank, broker,
                        uow_factory(engine, clock), parking, settings(),
                        rand=lambda: 0.0, requeue_pause_seconds=0.01)
    await broker.connect()
    await consumer.start()
    return parking, broker, bank, consumer


async def test_a_message_that_succeeds_after_it_was_parked_clears_its_parked_row(
    engine: AsyncEngine,
) -> None:
    clock = FrozenClock(T0)
    parking, broker, bank, consumer = await flaky_bank_queue(engine, clock)
    try:
        env = envelope(type="letter.dispatched")
        body = encode(env)
        await asyncio.wait_for(
            broker.publish("hub.events", KEY, body, message_id=env.message_id), 10)
        assert [p.message_id for p in await parking.list()] == [env.message_id]
        # A second copy of the same message (what a crash before the ack or a retry already
        # scheduled hands over) is delivered and succeeds.
        await broker.retry_later(BANK_API_QUEUE, KEY, body, message_id=env.message_id,
                                 attempt=2, delay_seconds=0)
        await eventually(lambda: bank.delivered == [env.message_id])
        await eventually(lambda: consumer.in_flight == 0)
        assert await parking.list(include_replayed=True) == []
        # Any later copy is a duplicate: the bank gets the letter once.
        await broker.retry_later(BANK_API_QUEUE, KEY, body, message_id=env.message_id,
                                 attempt=3, delay_seconds=0)
        await eventually(lambda: consumer.stats.duplicates == 1)
        assert bank.delivered == [env.message_id]
    finally:
        await consumer.stop()
        await broker.close()


async def test_a_message_already_applied_is_not_parked_by_a_late_failing_copy(
    engine: AsyncEngine,
) -> None:
    clock = FrozenClock(T0)
    parking = SqlAlchemyParkingStore(engine, clock)
    async with uow_factory(engine, clock)() as uow:
        assert await uow.inbox.claim(BANK_API_QUEUE, "m-1")
        await uow.commit()
    parked = await parking.park(queue=BANK_API_QUEUE, routing_key=KEY,
                                envelope={"message_id": "m-1"}, reason="late copy",
                                attempts=1, consumer=BANK_API_QUEUE)
    assert parked is False
    assert await parking.list() == []
    assert await parking.park(queue=BANK_API_QUEUE, routing_key=KEY,
                              envelope={"message_id": "m-2"}, reason="never applied",
                              attempts=1, consumer=BANK_API_QUEUE) is True
    assert [p.message_id for p in await parking.list()] == ["m-2"]


async def test_replaying_a_parked_message_that_was_applied_meanwhile_delivers_nothing_twice(
    engine: AsyncEngine,
) -> None:
    """The operator replays a parked letter while another copy of it gets through: the
    replayed copy, published by the relay, is a duplicate; the bank has the letter once."""
    from hub.db import SqlAlchemyOutboxStore
    from hub.messaging import Relay

    clock = FrozenClock(T0)
    parking, broker, bank, consumer = await flaky_bank_queue(engine, clock)
    relay = Relay(SqlAlchemyOutboxStore(engine, clock), broker, settings(), "relay-test")
    try:
        env = envelope(type="letter.dispatched")
        body = encode(env)
        await asyncio.wait_for(
            broker.publish("hub.events", KEY, body, message_id=env.message_id), 10)
        [parked] = await parking.list()
        await parking.replay(parked.id)  # queued in the outbox, not yet published
        await broker.retry_later(BANK_API_QUEUE, KEY, body, message_id=env.message_id,
                                 attempt=2, delay_seconds=0)
        await eventually(lambda: bank.delivered == [env.message_id])
        await relay.start()
        await eventually(lambda: consumer.stats.duplicates == 1)
        assert bank.delivered == [env.message_id]
        assert await parking.list() == []
    finally:
        await relay.stop()
        await consumer.stop()
        await broker.close()
