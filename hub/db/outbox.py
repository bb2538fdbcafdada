"""The outbox the relay publishes from, and the parking store of messages that failed for good."""

from __future__ import annotations

import builtins
import functools
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Integer, Row, Text, and_, bindparam, cast, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db.engine import begin_read, begin_write
from hub.db.tables import inbox, outbox, parked_messages
from hub.domain.errors import NotFound
from hub.infra.clocks import SystemClock
from hub.ports import Clock, Envelope, OutboxRow, ParkedMessage

REPLAY_EXCHANGE = "hub.requeue"
"""hub.messaging.topology.REQUEUE_EXCHANGE: a direct exchange every work queue is bound to by
its own name, so a replay published there with the queue name as routing key reaches only the
queue it was parked from, not every subscriber of the event again. (AMQP's default exchange ""
would do the same on RabbitMQ, but the embedded broker routes only the topology's exchanges.)"""


@functools.cache
def _lease_statement(dialect: str) -> Any:
    """Lease up to :limit free rows (built once: building costs more than running it)."""
    free = and_(
        outbox.c.published_at.is_(None),
        or_(outbox.c.leased_until.is_(None), outbox.c.leased_until < bindparam("now")),
    )
    pick = (select(outbox.c.id).where(free).order_by(outbox.c.id)
            .limit(bindparam("limit", type_=Integer)))
    if dialect == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    return (
        update(outbox)
        .where(outbox.c.id.in_(pick.scalar_subquery()))
        .values(
            leased_until=bindparam("until"),
            lease_holder=bindparam("holder"),
            publish_attempts=outbox.c.publish_attempts + 1,
        )
        # The envelope as the text the database keeps: published as is, never decoded here.
        .returning(outbox.c.id, outbox.c.message_id, outbox.c.exchange,
                   outbox.c.routing_key, cast(outbox.c.envelope, Text).label("body"))
    )


_MARK_PUBLISHED = (
    update(outbox)
    .where(outbox.c.id.in_(bindparam("ids", expanding=True)))
    .values(published_at=bindparam("now"), leased_until=None)
)


class SqlAlchemyOutboxStore:
    """hub.ports.OutboxStore: leases let several relays share the outbox without overlap."""

    def __init__(self, engine: AsyncEngine, clock: Clock | None = None) -> None:
        self._engine = engine
        self._clock = clock or SystemClock()

    async def lease(self, limit: int, holder: str, lease_seconds: float) -> list[OutboxRow]:
        """Take up to `limit` unpublished rows nobody holds (or whose lease ran out), id order.

        PostgreSQL: the rows are picked FOR UPDATE SKIP LOCKED, so a concurrent relay skips
        them rather than waiting, and re-checks the lease if it read them before this commit.
        SQLite: the UPDATE runs in an IMMEDIATE transaction, one writer at a time.
        """
        if limit < 1:
            return []
        now = self._clock.now()
        params = {"now": now, "limit": limit, "holder": holder,
                  "until": now + timedelta(seconds=lease_seconds)}
        async with begin_write(self._engine) as conn:
            rows = (await conn.execute(_lease_statement(conn.dialect.name), params)).all()
        return [
            OutboxRow(id=r.id, message_id=r.message_id, exchange=r.exchange,
                      routing_key=r.routing_key, body=r.body.encode("utf-8"))
            for r in sorted(rows, key=lambda r: r.id)
        ]

    async def mark_published(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        async with begin_write(self._engine) as conn:
            await conn.execute(_MARK_PUBLISHED, {"ids": list(ids), "now": self._clock.now()})

    async def pending_count(self) -> int:
        """Rows not yet published (leased or not)."""
        async with begin_read(self._engine) as conn:
            result = await conn.execute(
                select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
            )
            return int(result.scalar_one())


def _parked(row: Row[Any]) -> ParkedMessage:
    return ParkedMessage(
        id=row.id, message_id=row.message_id, queue=row.queue, routing_key=row.routing_key,
        envelope=dict(row.envelope), reason=row.reason, attempts=row.attempts,
        parked_at=row.parked_at, replayed_at=row.replayed_at,
    )


class SqlAlchemyParkingStore:
    """hub.ports.ParkingStore: messages a consumer gave up on, kept for an operator."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    async def park(
        self, *, queue: str, routing_key: str, envelope: dict[str, Any], reason: str,
        attempts: int, consumer: str | None = None,
    ) -> bool:
        # A message that arrived without an id still gets one, so it can be replayed.
        message_id = str(envelope.get("message_id") or Envelope.new_id())
        async with begin_write(self._engine) as conn:
            if consumer is not None and (await conn.execute(select(inbox.c.message_id).where(
                    inbox.c.consumer == consumer, inbox.c.message_id == message_id))).first():
                return False  # another copy was applied meanwhile: nothing to park
            await conn.execute(
                insert(parked_messages).values(
                    message_id=message_id, queue=queue, routing_key=routing_key,
                    envelope={**envelope, "message_id": message_id}, reason=reason,
                    attempts=attempts, parked_at=self._clock.now(),
                )
            )
        return True

    async def list(
        self, limit: int = 100, include_replayed: bool = False
    ) -> builtins.list[ParkedMessage]:
        query = select(parked_messages).order_by(parked_messages.c.id).limit(limit)
        if not include_replayed:
            query = query.where(parked_messages.c.replayed_at.is_(None))
        async with begin_read(self._engine) as conn:
            return [_parked(r) for r in await conn.execute(query)]

    async def replay(self, parked_id: int) -> ParkedMessage:
        """Queue the parked message again, same message id, for the queue it was parked from.

        The outbox row is keyed by (message_id, exchange, routing_key): the first replay adds
        it; a later replay re-arms it if it was published, and does nothing while it is
        still waiting to be published.
        """
        now = self._clock.now()
        async with begin_write(self._engine) as conn:
            query = select(parked_messages).where(parked_messages.c.id == parked_id)
            if conn.dialect.name == "postgresql":
                query = query.with_for_update()
            row = (await conn.execute(query)).first()
            if row is None:
                raise NotFound(f"no parked message {parked_id}", field="id")
            target = and_(
                outbox.c.message_id == row.message_id,
                outbox.c.exchange == REPLAY_EXCHANGE,
                outbox.c.routing_key == row.queue,
            )
            existing = (
                await conn.execute(select(outbox.c.id, outbox.c.published_at).where(target))
            ).first()
            if existing is None:
                try:
                    async with conn.begin_nested():
                        await conn.execute(
                            insert(outbox).values(
                                message_id=row.message_id, exchange=REPLAY_EXCHANGE,
                                routing_key=row.queue, envelope=row.envelope,
                                created_at=now, publish_attempts=0,
                            )
                        )
                except IntegrityError:
                    pass  # a concurrent replay of another parked copy queued it already
            elif existing.published_at is not None:
                await conn.execute(
                    update(outbox)
                    .where(outbox.c.id == existing.id)
                    .values(
                        envelope=row.envelope, published_at=None, leased_until=None,
                        lease_holder=None, publish_attempts=0,
                    )
                )
            await conn.execute(
                update(parked_messages)
                .where(parked_messages.c.id == parked_id)
                .values(replayed_at=now)
            )
            row = (
                await conn.execute(select(parked_messages).where(parked_messages.c.id == parked_id))
            ).one()
        return _parked(row)
