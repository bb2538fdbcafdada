"""Persistence: tables, repositories, unit of work, event log, outbox, inbox and migrations."""

from hub.db._support import decode_cursor, encode_cursor
from hub.db.engine import create_engine
from hub.db.eventlog import SqlAlchemyEventLogStore, verify_chain
from hub.db.migrate import current_revision, head_revision, migrate
from hub.db.outbox import SqlAlchemyOutboxStore, SqlAlchemyParkingStore
from hub.db.uow import SqlAlchemyUnitOfWork, uow_factory

__all__ = [
    "SqlAlchemyEventLogStore",
    "SqlAlchemyOutboxStore",
    "SqlAlchemyParkingStore",
    "SqlAlchemyUnitOfWork",
    "create_engine",
    "current_revision",
    "decode_cursor",
    "encode_cursor",
    "head_revision",
    "migrate",
    "uow_factory",
    "verify_chain",
]
