"""In-memory fakes of the ports messaging uses, and tests that they keep the ports' promises."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hub.infra.settings import Settings
from hub.ports import Envelope, OutboxRow, ParkedMessage, UnitOfWork
from hub.ports.envelope import encode
from tests.unit.fakes import FakeInbox


def settings(broker_url: str = "embedded://", **changes: Any) -> Settings:
    base = Settings(
        data_dir=Path("/nonexistent"),
        database_url="sqlite+aiosqlite:///:memory:",
        broker_url=broker_url,
        relay_poll_seconds=0.02,
        relay_lease_seconds=5.0,
        retry_base_seconds=0.05,
        retry_max_seconds=1.0,
        retry_max_attempts=4,
        consumer_prefetch=8,
    )
    return base.replace(**changes)


def envelope(n: int = 0, *, type: str = "reply.received", **data: Any) -> Envelope:
    return Envelope(
        message_id=Envelope.new_id(),
        type=type,
        occurred_at=datetime.now(UTC).isoformat(),
        data={"n": n, **data},
    )


# --------------------------------------------------------------------------- outbox


@dataclass
class _Slot:
    row: OutboxRow
    published: bool = False
    holder: str | None = None
    lease_until: float = 0.0


class InMemoryOutbox:
    """hub.ports.OutboxStore: leases expire, marks are idempotent."""

    def __init__(self) -> None:
        self._slots: dict[int, _Slot] = {}
        self._ids = itertools.count(1)
        self.mark_calls: list[list[int]] = []
        self.fail_lease = False
        self.fail_mark = False

    def add(self, env: Envelope, routing_key: str | None = None,
            exchange: str = "hub.events") -> OutboxRow:
        row = OutboxRow(id=next(self._ids), message_id=env.message_id, exchange=exchange,
                        routing_key=routing_key or env.type, body=encode(env))
        self._slots[row.id] = _Slot(row)
        return row

    async def lease(self, limit: int, holder: str, lease_seconds: float) -> list[OutboxRow]:
        if self.fail_lease:
            raise OSError("database unreachable")
        now = time.monotonic()
        rows: list[OutboxRow] = []
        for slot in self._slots.values():
            if len(rows) >= limit:
                break
            if not slot.published and slot.lease_until <= now:
                slot.holder, slot.lease_until = holder, now + lease_seconds
                rows.append(slot.row)
        return rows

    async def mark_published(self, ids: Sequence[int]) -> None:
        if self.fail_mark:
            raise OSError("database unreachable")
        self.mark_calls.append(list(ids))
        for i in ids:
            self._slots[i].published = True

    async def pending_count(self) -> int:
        return sum(not s.published for s in self._slots.values())

    def published_ids(self) -> set[int]:
        return {i for i, s in self._slots.items() if s.published}


# --------------------------------------------------------------------------- unit of work


@dataclass
class FakeDatabase:
    """What the fake units of work commit to: the inbox and the handlers' effects."""

    inbox: set[tuple[str, str]] = field(default_factory=set)
    effects: list[Any] = field(default_factory=list)
    commits: int = 0
    fail_commit: bool = False


class FakeUnitOfWork:
    """Claims and effects become visible only at commit; leaving without commit drops them."""

    def __init__(self, db: FakeDatabase) -> None:
        self._db = db
        self.inbox = FakeInbox(db.inbox)
        self.effects: list[Any] = []

    async def __aenter__(self) -> FakeUnitOfWork:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.inbox.claims.clear()
        self.effects.clear()

    def record(self, event: Any) -> None:
        self.effects.append(event)

    async def commit(self) -> None:
        if self._db.fail_commit:
            raise OSError("connection to the database lost during commit")
        self._db.inbox |= self.inbox.claims
        self._db.effects += self.effects
        self._db.commits += 1
        self.inbox.claims.clear()
        self.effects.clear()

    async def rollback(self) -> None:
        self.inbox.claims.clear()
        self.effects.clear()


def uow_factory(db: FakeDatabase) -> Callable[[], Any]:
    return lambda: FakeUnitOfWork(db)


# --------------------------------------------------------------------------- parking


class FakeParking:
    """hub.ports.ParkingStore in a list; `fail` makes park() raise like a database outage."""

    def __init__(self) -> None:
        self.parked: list[ParkedMessage] = []
        self.fail = False

    async def park(self, *, queue: str, routing_key: str, envelope: dict[str, Any],
                   reason: str, attempts: int, consumer: str | None = None) -> bool:
        if self.fail:
            raise OSError("database unreachable")
        self.parked.append(ParkedMessage(
            id=len(self.parked) + 1, message_id=str(envelope.get("message_id", "")),
            queue=queue, routing_key=routing_key, envelope=envelope, reason=reason,
            attempts=attempts, parked_at=datetime.now(UTC),
        ))
        return True

    async def list(self, limit: int = 100, include_replayed: bool = False) -> list[ParkedMessage]:
        return self.parked[:limit]

    async def replay(self, parked_id: int) -> ParkedMessage:
        raise NotImplementedError


# --------------------------------------------------------------------------- helpers


Handler = Callable[[Envelope, UnitOfWork], Awaitable[None]]


def recording_handler() -> Handler:
    """Records the message id as the effect of the transaction."""

    async def handle(env: Envelope, uow: UnitOfWork) -> None:
        uow.record(env.message_id)  # type: ignore[arg-type]

    return handle


async def eventually(check: Callable[[], bool], within: float = 5.0, every: float = 0.01) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(every)


# --------------------------------------------------------------------------- tests of the fakes


async def test_outbox_lease_hides_leased_rows_until_the_lease_expires() -> None:
    store = InMemoryOutbox()
    store.add(envelope(1))
    assert len(await store.lease(10, "a", 0.05)) == 1
    assert await store.lease(10, "b", 0.05) == []
    await asyncio.sleep(0.06)
    assert len(await store.lease(10, "b", 0.05)) == 1


async def test_uow_without_commit_forgets_its_claims() -> None:
    db = FakeDatabase()
    async with FakeUnitOfWork(db) as uow:
        assert await uow.inbox.claim("c", "m")
    async with FakeUnitOfWork(db) as uow:
        assert await uow.inbox.claim("c", "m")
        await uow.commit()
    async with FakeUnitOfWork(db) as uow:
        assert not await uow.inbox.claim("c", "m")
