"""The outbox the relay leases from, and the parking store an operator replays from."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db import (
    SqlAlchemyOutboxStore,
    SqlAlchemyParkingStore,
    uow_factory,
)
from hub.domain import events
from hub.domain.errors import NotFound
from hub.infra.clocks import FrozenClock

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def status_changed(i: int) -> events.StatusChanged:
    return events.StatusChanged(
        at=T0, actor="system", confirmation_id=f"c-{i}", firm_org_id="f",
        from_status="draft", to_status="awaiting_authorisation",
    )


async def publish_events(engine: AsyncEngine, n: int) -> None:
    async with uow_factory(engine, FrozenClock(T0))() as uow:
        for i in range(n):
            uow.record(status_changed(i))
        # Not published: it belongs in the event log only.
        uow.record(events.ApiKeyCreated(at=T0, actor="cli", key_id="k", org_id="o", role="x"))
        await uow.commit()


async def test_lease_hands_out_rows_once_until_published(engine: AsyncEngine) -> None:
    clock = FrozenClock(T0)
    store = SqlAlchemyOutboxStore(engine, clock)
    await publish_events(engine, 5)
    assert await store.pending_count() == 5

    first = await store.lease(3, "relay-a", 30)
    assert [r.envelope.data["confirmation_id"] for r in first] == ["c-0", "c-1", "c-2"]
    assert [r.id for r in first] == sorted(r.id for r in first)
    assert first[0].routing_key == "confirmation.status.awaiting_authorisation"
    assert first[0].envelope.type == "confirmation.status_changed"
    assert first[0].envelope.message_id == first[0].message_id

    rest = await store.lease(10, "relay-b", 30)
    assert [r.envelope.data["confirmation_id"] for r in rest] == ["c-3", "c-4"]
    assert await store.lease(10, "relay-c", 30) == []

    await store.mark_published([r.id for r in first])
    assert await store.pending_count() == 2

    # relay-b died holding its rows: once the lease runs out, another relay takes them.
    clock.current = T0 + timedelta(seconds=31)
    retaken = await store.lease(10, "relay-c", 30)
    assert [r.id for r in retaken] == [r.id for r in rest]
    assert [r.message_id for r in retaken] == [r.message_id for r in rest]  # same id on retry

    await store.mark_published([r.id for r in retaken])
    clock.current = T0 + timedelta(hours=1)
    assert await store.lease(10, "relay-c", 30) == []
    assert await store.pending_count() == 0


async def test_concurrent_leases_never_share_a_row(engine: AsyncEngine) -> None:
    await publish_events(engine, 120)
    store = SqlAlchemyOutboxStore(engine)

    async def relay(name: str) -> list[int]:
        taken: list[int] = []
        while batch := await store.lease(7, name, 60):
            taken += [r.id for r in batch]
            await asyncio.sleep(0)
        return taken

    results = await asyncio.gather(*(relay(f"relay-{i}") for i in range(4)))

    every = [row_id for taken in results for row_id in taken]
    assert len(every) == len(set(every)) == 120


async def test_parked_message_replays_to_its_queue_with_its_message_id(
    engine: AsyncEngine,
) -> None:
    clock = FrozenClock(T0)
    parking = SqlAlchemyParkingStore(engine, clock)
    outbox = SqlAlchemyOutboxStore(engine, clock)
    envelope = {
        "message_id": "m-42", "type": "confirmation.status_changed", "occurred_at": T0.isoformat(),
        "schema_version": 1, "data": {"confirmation_id": "c-1"},
    }
    await parking.park(
        queue="adapter.bank_api", routing_key="confirmation.status.dispatched",
        envelope=envelope, reason="bank endpoint refused the certificate", attempts=5,
    )
    [parked] = await parking.list()
    assert (parked.message_id, parked.queue, parked.attempts) == ("m-42", "adapter.bank_api", 5)
    assert parked.reason == "bank endpoint refused the certificate"

    clock.current = T0 + timedelta(minutes=1)
    replayed = await parking.replay(parked.id)
    assert replayed.replayed_at == T0 + timedelta(minutes=1)
    assert await parking.list() == []
    assert [p.id for p in await parking.list(include_replayed=True)] == [parked.id]

    await parking.replay(parked.id)  # twice before the relay ran: still one message
    [row] = await outbox.lease(10, "relay", 30)
    assert (row.exchange, row.routing_key, row.message_id) == (
        "hub.requeue", "adapter.bank_api", "m-42",
    )
    assert row.envelope.data == {"confirmation_id": "c-1"}
    await outbox.mark_published([row.id])

    # It failed again and was parked again: a new replay sends it once more.
    await parking.replay(parked.id)
    [again] = await outbox.lease(10, "relay", 30)
    assert again.message_id == "m-42" and again.routing_key == "adapter.bank_api"

    with pytest.raises(NotFound):
        await parking.replay(parked.id + 1000)
