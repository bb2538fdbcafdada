"""The consumer on the embedded broker: apply once, retry with backoff, park, drain on stop."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import pytest
import sqlalchemy.exc as sa

from hub.domain.errors import (
    InvalidTransition,
    NotFound,
    PermanentError,
    StaleWrite,
    TransientError,
)
from hub.messaging import Consumer, EmbeddedBroker, backoff_seconds, encode, verdict
from hub.messaging.topology import JOBS_QUEUE
from hub.ports import Envelope, UnitOfWork
from tests.unit.test_messaging_fakes import (
    FakeDatabase,
    FakeParking,
    envelope,
    eventually,
    recording_handler,
    settings,
    uow_factory,
)

KEY = "confirmation.status.authorised"  # bound to hub.jobs


class Rig:
    """An embedded broker, a fake database and a consumer of hub.jobs."""

    def __init__(self, handler: Any = None, **setting_changes: Any) -> None:
        self.settings = settings(**setting_changes)
        self.broker = EmbeddedBroker()
        self.db = FakeDatabase()
        self.parking = FakeParking()
        self.consumer = Consumer(
            "hub.jobs", JOBS_QUEUE, handler or recording_handler(), self.broker,
            uow_factory(self.db), self.parking, self.settings,
            rand=lambda: 1.0, requeue_pause_seconds=0.01,
        )

    async def __aenter__(self) -> Rig:
        await self.broker.connect()
        await self.consumer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.consumer.stop()
        await self.broker.close()

    async def publish(self, env: Envelope, key: str = KEY) -> None:
        await asyncio.wait_for(
            self.broker.publish("hub.events", key, encode(env), message_id=env.message_id), 10
        )


def test_verdict_decides_by_exception_type() -> None:
    retry = [
        TransientError("bank api down"), OSError("refused"), ConnectionResetError(),
        StaleWrite("changed by another request after it was read"),
        TimeoutError(), asyncio.TimeoutError(),  # noqa: UP041 - one class since 3.11; both spellings covered
        sa.OperationalError("SELECT 1", {}, Exception("server closed the connection")),
        sa.InterfaceError("SELECT 1", {}, Exception("connection is closed")),
        sa.DBAPIError("SELECT 1", {}, Exception("gone"), connection_invalidated=True),
    ]
    park = [
        PermanentError("bad letter"), NotFound("no such confirmation"),
        InvalidTransition("draft", "replied"), KeyError("confirmation_id"), ValueError("x"),
        sa.IntegrityError("INSERT", {}, Exception("duplicate key")),
        sa.DBAPIError("SELECT 1", {}, Exception("syntax"), connection_invalidated=False),
    ]
    assert [verdict(e) for e in retry] == ["retry"] * len(retry)
    assert [verdict(e) for e in park] == ["park"] * len(park)


def test_a_channel_policy_gives_up_only_after_its_attempts_and_its_hours() -> None:
    from hub.messaging.consumer import RetryPolicy

    hours = RetryPolicy(10.0, 600.0, max_attempts=5, budget_seconds=6 * 3600)
    assert not hours.gives_up(4, age_seconds=10 * 3600)  # too few attempts yet
    assert not hours.gives_up(40, age_seconds=15 * 60)  # the bank down for 15 minutes
    assert hours.gives_up(40, age_seconds=6 * 3600)
    attempts_only = RetryPolicy(1.0, 300.0, max_attempts=5)
    assert [attempts_only.gives_up(a, 0.0) for a in (4, 5)] == [False, True]


async def test_a_stale_write_is_retried_until_it_succeeds_never_parked() -> None:
    calls = itertools.count(1)

    async def racing(env: Envelope, uow: UnitOfWork) -> None:
        if next(calls) <= 3:
            raise StaleWrite("confirmation c1 was changed by another request after it was read")

    async with Rig(racing, retry_base_seconds=0.01, retry_max_attempts=10) as rig:
        await rig.publish(envelope())
        await eventually(lambda: rig.consumer.stats.handled == 1)
    assert rig.consumer.stats.retried == 3 and rig.parking.parked == []


def test_backoff_doubles_up_to_the_cap_with_full_jitter() -> None:
    assert [backoff_seconds(a, 1.0, 10.0, lambda: 1.0) for a in (1, 2, 3, 4, 5, 6)] == [
        1.0, 2.0, 4.0, 8.0, 10.0, 10.0,
    ]
    assert backoff_seconds(3, 1.0, 10.0, lambda: 0.0) == 0.0
    assert 0.0 <= backoff_seconds(3, 1.0, 10.0) <= 4.0


async def test_handler_effect_commits_before_the_publish_is_confirmed() -> None:
    async with Rig() as rig:
        env = envelope(1)
        await rig.publish(env)
        assert rig.db.effects == [env.message_id]
        assert rig.consumer.stats.handled == 1


async def test_duplicate_message_id_is_applied_once() -> None:
    async with Rig() as rig:
        env = envelope(1)
        await rig.publish(env)
        await rig.publish(env)  # the relay sent it again (say, after a crash before marking)
        assert rig.db.effects == [env.message_id]
        assert rig.consumer.stats.duplicates == 1
        assert rig.db.commits == 1


async def test_transient_failure_is_retried_with_growing_delays_then_succeeds() -> None:
    seen: list[tuple[int, float]] = []
    fail_times = 3

    async def flaky(env: Envelope, uow: UnitOfWork) -> None:
        seen.append((len(seen) + 1, time.monotonic()))
        if len(seen) <= fail_times:
            raise TransientError("bank gateway unreachable")
        uow.record(env.message_id)  # type: ignore[arg-type]

    async with Rig(flaky, retry_base_seconds=0.05, retry_max_seconds=1.0,
                   retry_max_attempts=5) as rig:
        env = envelope(1)
        await rig.publish(env)  # returns only once the last attempt settled
        assert [n for n, _ in seen] == [1, 2, 3, 4]
        gaps = [b - a for (_, a), (_, b) in itertools.pairwise(seen)]
        # rand() == 1.0: the delays are exactly base * 2**(attempt-1)
        for gap, want in zip(gaps, (0.05, 0.1, 0.2), strict=True):
            assert want <= gap < want + 0.1
        assert gaps[0] < gaps[1] < gaps[2]
        assert rig.db.effects == [env.message_id]
        assert rig.consumer.stats.retried == 3
        assert rig.parking.parked == []


async def test_permanent_failure_parks_at_once_with_the_reason() -> None:
    calls = 0

    async def refuses(env: Envelope, uow: UnitOfWork) -> None:
        nonlocal calls
        calls += 1
        uow.record("half-done")  # type: ignore[arg-type]
        raise InvalidTransition("draft", "replied", reason="no letter yet")

    async with Rig(refuses) as rig:
        env = envelope(1)
        await rig.publish(env)
        assert calls == 1
        assert rig.db.effects == [], "the failed transaction left nothing behind"
        [parked] = rig.parking.parked
        assert parked.reason == (
            "InvalidTransition: cannot move a confirmation from 'draft' to 'replied': "
            "no letter yet"
        )
        assert parked.attempts == 1
        assert parked.queue == JOBS_QUEUE and parked.routing_key == KEY
        assert parked.envelope["message_id"] == env.message_id


async def test_unexpected_exception_parks_at_once() -> None:
    async def buggy(env: Envelope, uow: UnitOfWork) -> None:
        raise KeyError("confirmation_id")

    async with Rig(buggy) as rig:
        await rig.publish(envelope(1))
        [parked] = rig.parking.parked
        assert parked.reason == "KeyError: 'confirmation_id'"


async def test_exceeding_max_attempts_parks_with_the_count() -> None:
    calls = 0

    async def down(env: Envelope, uow: UnitOfWork) -> None:
        nonlocal calls
        calls += 1
        raise ConnectionRefusedError("bank api refused the connection")

    async with Rig(down, retry_max_attempts=3, retry_base_seconds=0.01) as rig:
        env = envelope(1)
        await rig.publish(env)
        assert calls == 3
        [parked] = rig.parking.parked
        assert parked.attempts == 3
        assert parked.reason == (
            "ConnectionRefusedError: bank api refused the connection "
            "(gave up after 3 attempts)"
        )
        assert parked.routing_key == KEY, "the original routing key survives the retries"


async def test_undecodable_message_is_parked_with_its_text() -> None:
    async with Rig() as rig:
        await asyncio.wait_for(
            rig.broker.publish("hub.events", KEY, b'{"oops": ', message_id="bad-1"), 5
        )
        [parked] = rig.parking.parked
        assert parked.reason.startswith("UndecodableMessage: message body is not UTF-8 JSON")
        assert parked.envelope == {"raw": '{"oops": '}
        assert rig.db.effects == []


async def test_when_parking_fails_the_message_is_requeued_not_lost() -> None:
    async def refuses(env: Envelope, uow: UnitOfWork) -> None:
        raise PermanentError("unknown responder")

    async with Rig(refuses) as rig:
        rig.parking.fail = True
        env = envelope(1)
        publish = asyncio.create_task(rig.publish(env))
        await eventually(lambda: rig.consumer.stats.requeued >= 3)
        assert not publish.done()
        rig.parking.fail = False  # the database is back
        await publish
        assert [p.message_id for p in rig.parking.parked] == [env.message_id]


async def test_commit_failure_is_transient_and_retried() -> None:
    async with Rig() as rig:
        rig.db.fail_commit = True
        env = envelope(1)
        publish = asyncio.create_task(rig.publish(env))
        await eventually(lambda: rig.consumer.stats.retried >= 1)
        rig.db.fail_commit = False
        await publish
        assert rig.db.effects == [env.message_id]


async def test_stop_drains_in_flight_handlers_and_takes_no_new_deliveries() -> None:
    started = asyncio.Event()
    finished: list[int] = []

    async def slow(env: Envelope, uow: UnitOfWork) -> None:
        started.set()
        await asyncio.sleep(0.2)
        finished.append(env.data["n"])
        uow.record(env.message_id)  # type: ignore[arg-type]

    rig = Rig(slow, consumer_prefetch=1)
    await rig.broker.connect()
    await rig.consumer.start()
    first, second = envelope(1), envelope(2)
    p1 = asyncio.create_task(rig.publish(first))
    p2 = asyncio.create_task(rig.publish(second))
    await started.wait()
    await rig.consumer.stop()
    assert finished == [1], "the in-flight handler finished and committed"
    assert rig.db.effects == [first.message_id]
    await asyncio.wait_for(p1, 1)
    await asyncio.sleep(0.3)
    assert finished == [1], "nothing new was taken after stop()"
    assert not p2.done()
    await rig.broker.close()
    with pytest.raises(TransientError):
        await p2


async def test_message_id_is_bound_in_log_context_while_handling() -> None:
    import structlog

    seen: dict[str, Any] = {}

    async def peek(env: Envelope, uow: UnitOfWork) -> None:
        seen.update(structlog.contextvars.get_contextvars())

    async with Rig(peek) as rig:
        env = envelope(1)
        await rig.publish(env)
    assert seen["message_id"] == env.message_id
    assert seen["consumer"] == "hub.jobs"
