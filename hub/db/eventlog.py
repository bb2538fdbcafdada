"""The append-only, hash-chained event log: appending, sealing into the chain, verifying."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, bindparam, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.db.engine import BEGIN_OPTION, begin_write
from hub.db.tables import event_log
from hub.domain.events import Event
from hub.ports import ChainReport, HistoryEntry

GENESIS_HASH = "0" * 64
"""prev_hash of the first entry."""

# pg_try_advisory_xact_lock key: one sealer at a time across processes.
APPEND_LOCK_KEY = int.from_bytes(
    hashlib.sha256(b"hub.event_log.append").digest()[:8], "big", signed=True
)

VERIFY_BATCH = 1000
"""Entries read per query while verifying, so memory stays bounded however long the log is."""

_HASHED = (
    "seq", "entry_id", "occurred_at", "aggregate_type", "aggregate_id", "event_type", "actor",
    "data", "prev_hash",
)


def _integral_floats_as_ints(value: Any) -> Any:
    # JSONB gives 1e16 back as 10000000000000000 (an int once parsed): hash both the same.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _integral_floats_as_ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral_floats_as_ints(v) for v in value]
    return value


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8: the same bytes for the same content on every dialect."""
    return json.dumps(
        _integral_floats_as_ints(value), sort_keys=True, separators=(",", ":"),
        ensure_ascii=False,
    ).encode("utf-8")


def entry_hash(entry: Mapping[str, Any]) -> str:
    """SHA-256 hex of an entry's hashed fields; `occurred_at` may be a datetime or ISO text."""
    content = {name: entry[name] for name in _HASHED}
    if isinstance(content["occurred_at"], datetime):
        content["occurred_at"] = content["occurred_at"].astimezone(UTC).isoformat()
    return hashlib.sha256(canonical_json(content)).hexdigest()


_INSERT = insert(event_log)
_HEAD = (
    select(event_log.c.chain_pos, event_log.c.hash)
    .where(event_log.c.chain_pos.is_not(None))
    .order_by(event_log.c.chain_pos.desc())
    .limit(1)
)
_TRY_LOCK = text("SELECT pg_try_advisory_xact_lock(:key)")
_SEAL = (
    update(event_log)
    .where(event_log.c.seq == bindparam("b_seq"), event_log.c.chain_pos.is_(None))
    .values(chain_pos=bindparam("b_pos"), prev_hash=bindparam("b_prev"),
            hash=bindparam("b_hash"))
)

SEAL_BATCH = 500
"""Entries chained per sealing transaction."""


async def append(conn: AsyncConnection, events: Sequence[Event],
                 data: Sequence[dict[str, Any]], *, recorded_at: datetime) -> None:
    """Write events (whose data() are `data`) to the log inside the caller's transaction, not
    yet chained.

    No lock and no read: the database numbers the rows (seq) as they are inserted, and
    `seal()` chains committed entries afterwards, so appenders of every process never wait for
    one another. An entry is tamper-evident from the moment it is sealed (the scheduler seals
    within a fraction of a second of the commit; `verify_chain` seals first).
    """
    if not events:
        return
    rows: list[dict[str, Any]] = []
    for event, event_data in zip(events, data, strict=True):
        rows.append({
            "entry_id": str(uuid.uuid4()),
            "occurred_at": event.at.astimezone(UTC),
            "recorded_at": recorded_at,
            "aggregate_type": event.aggregate_type,
            "aggregate_id": event.aggregate_id,
            "event_type": event.name,
            "actor": event.actor,
            "data": event_data,  # the JSON column writes it as it reads back
        })
    await conn.execute(_INSERT, rows[0] if len(rows) == 1 else rows)


def _chained(row: Row[Any], position: int, prev_hash: str) -> dict[str, Any]:
    """The hashed content of a stored entry at chain `position` after `prev_hash`."""
    entry = dict(row._mapping)
    entry["seq"] = position  # the hash covers the entry's place in the chain
    entry["prev_hash"] = prev_hash
    return entry


async def seal(engine: AsyncEngine, *, batch: int = SEAL_BATCH) -> int:
    """Chain committed, unsealed entries in the order they were written; returns how many.

    One sealer at a time: on PostgreSQL a transaction-level advisory lock (another process
    already sealing makes this call return 0), on SQLite the write lock. Safe to call from
    any number of processes, as often as wanted.
    """
    total = 0
    while True:
        async with begin_write(engine) as conn:
            if conn.dialect.name == "postgresql":
                got = (await conn.execute(_TRY_LOCK, {"key": APPEND_LOCK_KEY})).scalar_one()
                if not got:
                    return total
            head = (await conn.execute(_HEAD)).first()
            position, prev_hash = (int(head.chain_pos), str(head.hash)) if head else (
                0, GENESIS_HASH)
            pending = (await conn.execute(
                select(event_log).where(event_log.c.chain_pos.is_(None))
                .order_by(event_log.c.seq).limit(batch)
            )).all()
            if not pending:
                return total
            updates = []
            for row in pending:
                position += 1
                digest = entry_hash(_chained(row, position, prev_hash))
                updates.append({"b_seq": row.seq, "b_pos": position, "b_prev": prev_hash,
                                "b_hash": digest})
                prev_hash = digest
            await conn.execute(_SEAL, updates)
        total += len(pending)
        if len(pending) < batch:
            return total


async def history(
    conn: AsyncConnection, aggregate_type: str, aggregate_id: str
) -> list[HistoryEntry]:
    """One aggregate's entries, oldest first."""
    result = await conn.execute(
        select(event_log)
        .where(
            event_log.c.aggregate_type == aggregate_type,
            event_log.c.aggregate_id == aggregate_id,
        )
        .order_by(event_log.c.seq)
    )
    return [
        HistoryEntry(
            seq=r.seq, event_type=r.event_type, at=r.occurred_at, actor=r.actor,
            data=dict(r.data), hash=r.hash,
        )
        for r in result
    ]


def _problem(row: Row[Any], expected: int, prev_hash: str) -> tuple[int, str] | None:
    """(chain position at fault, what is wrong) for the row read where `expected` should be.

    Entries are named by their chain position ("seq" in reports: the number the hash covers).
    """
    pos = int(row.chain_pos)
    if pos != expected:
        missing = (
            f"entry seq={expected} is" if pos == expected + 1
            else f"entries seq={expected}..{pos - 1} are"
        )
        return expected, f"{missing} missing (deleted): the chain jumps to seq={pos}"
    if row.prev_hash != prev_hash:
        before = f"entry seq={pos - 1}" if pos > 1 else "the genesis value"
        return pos, (
            f"entry seq={pos} does not link to {before}: its prev_hash differs from that "
            "entry's hash (the chain was broken or rewritten)"
        )
    if entry_hash(_chained(row, pos, prev_hash)) != row.hash:
        return pos, f"entry seq={pos} was altered: its content no longer matches its hash"
    return None


async def verify_chain(engine: AsyncEngine) -> ChainReport:
    """Seal what is pending, then check the whole chain in order; report the first altered,
    unlinked or missing entry."""
    await seal(engine)
    async with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            # A read snapshot that does not keep writers waiting.
            await conn.execution_options(**{BEGIN_OPTION: "DEFERRED"})
        else:
            # One snapshot across all batches.
            await conn.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():
            return await _verify(conn)


async def _verify(conn: AsyncConnection) -> ChainReport:
    checked = 0
    prev_hash = GENESIS_HASH
    expected_seq = 1
    while True:
        batch = (
            await conn.execute(
                select(event_log)
                .where(event_log.c.chain_pos >= expected_seq)
                .order_by(event_log.c.chain_pos)
                .limit(VERIFY_BATCH)
            )
        ).all()
        if not batch:
            return ChainReport(ok=True, entries=checked)
        for row in batch:
            fault = _problem(row, expected_seq, prev_hash)
            if fault is not None:
                bad_seq, problem = fault
                return ChainReport(
                    ok=False, entries=checked, first_bad_seq=bad_seq, problem=problem
                )
            prev_hash = row.hash
            expected_seq += 1
            checked += 1


class SqlAlchemyEventLogStore:
    """hub.ports.EventLogStore over the event_log table."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def verify(self) -> ChainReport:
        return await verify_chain(engine=self._engine)
