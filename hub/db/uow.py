"""The SQLAlchemy unit of work: one transaction for state, event log and outbox."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.db import eventlog
from hub.db.confirmations import SqlAlchemyConfirmationRepository
from hub.db.documents import SqlAlchemyDocumentRepository
from hub.db.portal import SqlAlchemyPortalLinkRepository
from hub.db.procedures import SqlAlchemyProcedureRepository
from hub.db.replies import SqlAlchemyReplyRepository
from hub.db.repositories import (
    Session,
    SqlAlchemyApiKeyRepository,
    SqlAlchemyEngagementRepository,
    SqlAlchemyInbox,
    SqlAlchemyOrganisationRepository,
)
from hub.db.responders import SqlAlchemyResponderRepository
from hub.db.tables import outbox
from hub.db.webhooks import SqlAlchemyWebhookRepository
from hub.domain import events
from hub.ports import Clock, Envelope

EVENTS_EXCHANGE = "hub.events"
"""Where published domain events go (hub.messaging.topology.EVENTS_EXCHANGE)."""


def outbox_row(event: events.Event, data: dict[str, Any], *,
               created_at: datetime) -> dict[str, object]:
    """The outbox row that publishes `event`, whose data() is `data`; its message id is fixed
    here, once. The JSON column's serialiser writes the data as it reads back."""
    envelope = Envelope(
        message_id=Envelope.new_id(),
        type=event.name,
        occurred_at=event.at.isoformat(),
        data=data,
    )
    return {
        "message_id": envelope.message_id,
        "exchange": EVENTS_EXCHANGE,
        "routing_key": event.routing_key,
        "envelope": envelope.to_dict(),
        "created_at": created_at,
        "publish_attempts": 0,
    }


_INSERT_OUTBOX = insert(outbox)


class OutboxSignal:
    """Tells this process's listeners (the relay, where it runs here) that a commit wrote
    outbox rows, so they publish at once instead of at their next poll."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[], None]] = []

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[], None]) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    def fire(self) -> None:
        for listener in list(self._listeners):
            listener()


class SqlAlchemyUnitOfWork:
    """hub.ports.UnitOfWork: `async with` opens a transaction; leaving without commit rolls back.

    On SQLite a writing unit of work queues for the process's write slot and begins IMMEDIATE
    (see hub.db.engine), so it holds the database's write lock from `async with` to its end:
    keep it short. A read-only one (`readonly=True`) takes neither and cannot commit.
    """

    def __init__(self, engine: AsyncEngine, clock: Clock, *, readonly: bool = False,
                 signal: OutboxSignal | None = None) -> None:
        self._clock = clock
        self._readonly = readonly
        self._signal = signal
        self._session = Session(clock, engine, readonly=readonly)
        self._recorded: list[events.Event] = []
        self.organisations = SqlAlchemyOrganisationRepository(self._session)
        self.api_keys = SqlAlchemyApiKeyRepository(self._session)
        self.engagements = SqlAlchemyEngagementRepository(self._session)
        self.confirmations = SqlAlchemyConfirmationRepository(self._session)
        self.inbox = SqlAlchemyInbox(self._session)
        self.documents = SqlAlchemyDocumentRepository(self._session)
        self.responders = SqlAlchemyResponderRepository(self._session)
        self.replies = SqlAlchemyReplyRepository(self._session)
        self.portal_links = SqlAlchemyPortalLinkRepository(self._session)
        self.webhooks = SqlAlchemyWebhookRepository(self._session)
        self.procedures = SqlAlchemyProcedureRepository(self._session)

    @property
    def connection(self) -> AsyncConnection:
        """The connection reads use now, for queries no repository covers (reports, tests)."""
        return self._session.conn

    async def writer(self) -> AsyncConnection:
        """The connection of the write transaction (begun now if need be), for raw writes."""
        return await self._session.writer()

    async def __aenter__(self) -> Self:
        await self._session.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._recorded = []
        self.confirmations.forget()
        await self._session.close()

    def record(self, event: events.Event) -> None:
        self._recorded.append(event)

    async def commit(self) -> None:
        """Save tracked confirmations, append all events to the log and outbox, commit."""
        if self._readonly:
            raise RuntimeError("a read-only unit of work cannot commit")
        published: list[dict[str, Any]] = []
        try:
            await self.confirmations.flush()
            pending = self._recorded + self.confirmations.collect_events()
            self._recorded = []
            if pending:
                # In the order they happened (stable, so same-instant events keep their order).
                pending.sort(key=lambda e: e.at)
                now = self._clock.now()
                data = [e.data() for e in pending]  # for the outbox and the log alike
                published = [outbox_row(e, d, created_at=now)
                             for e, d in zip(pending, data, strict=True) if e.published]
                conn = await self._session.writer()
                if published:
                    await conn.execute(_INSERT_OUTBOX, published)
                # Unchained: the scheduler's sealer chains them after the commit (no lock here).
                await eventlog.append(conn, pending, data, recorded_at=now)
            await self._session.commit()
        except BaseException:
            # The original error is what matters; a failing rollback must not hide it.
            with contextlib.suppress(Exception):
                await self.rollback()
            raise
        self.confirmations.committed()
        if published and self._signal is not None:
            self._signal.fire()

    async def rollback(self) -> None:
        self._recorded = []
        self.confirmations.forget()
        await self._session.rollback()


def uow_factory(
    engine: AsyncEngine, clock: Clock, *, readonly: bool = False,
    signal: OutboxSignal | None = None,
) -> Callable[[], SqlAlchemyUnitOfWork]:
    """What services call to start a unit of work (read-only ones for queries); commits that
    write outbox rows fire `signal`."""

    def make() -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(engine, clock, readonly=readonly, signal=signal)

    return make
