"""The append-only, hash-chained event log: appending under a lock, reading, verifying."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.db.engine import BEGIN_OPTION
from hub.db.tables import event_log
from hub.db.types import json_normalise
from hub.domain.events import Event
from hub.ports import ChainReport, HistoryEntry

GENESIS_HASH = "0" * 64
"""prev_hash of the first entry."""

# pg_advisory_xact_lock key serialising appends across transactions and processes.
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


_LOCK_AND_LAST = text("SELECT seq, hash FROM hub_event_log_head(:key)")
_LAST = select(event_log.c.seq, event_log.c.hash).order_by(event_log.c.seq.desc()).limit(1)
_INSERT = insert(event_log)


async def append(
    conn: AsyncConnection, events: Sequence[Event], *, recorded_at: datetime
) -> list[int]:
    """Append events to the chain inside the caller's transaction; returns their seqs.

    Call it as late as possible in the transaction: on PostgreSQL it takes a transaction-level
    advisory lock that every other appender waits for until this transaction ends. Under that
    lock (READ COMMITTED) the last entry read is the newest committed one, so the chain never
    forks. SQLite needs no lock: write transactions begin IMMEDIATE and run one at a time.
    """
    if not events:
        return []
    if conn.dialect.name == "postgresql":
        # Lock and read the newest entry in one round trip (migrations/versions/0003).
        last = (await conn.execute(_LOCK_AND_LAST, {"key": APPEND_LOCK_KEY})).first()
    else:
        last = (await conn.execute(_LAST)).first()
    seq, prev_hash = (int(last.seq), str(last.hash)) if last else (0, GENESIS_HASH)
    rows: list[dict[str, Any]] = []
    for event in events:
        seq += 1
        occurred_at = event.at.astimezone(UTC)
        entry: dict[str, Any] = {
            "seq": seq,
            "entry_id": str(uuid.uuid4()),
            "occurred_at": occurred_at.isoformat(),
            "aggregate_type": event.aggregate_type,
            "aggregate_id": event.aggregate_id,
            "event_type": event.name,
            "actor": event.actor,
            "data": json_normalise(event.data()),
            "prev_hash": prev_hash,
        }
        entry["hash"] = prev_hash = entry_hash(entry)
        rows.append({**entry, "occurred_at": occurred_at, "recorded_at": recorded_at})
    await conn.execute(_INSERT, rows)
    return [r["seq"] for r in rows]


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


def _problem(row: Row[Any], expected_seq: int, prev_hash: str) -> tuple[int, str] | None:
    """(seq at fault, what is wrong) for the row read where `expected_seq` should be."""
    seq = int(row.seq)
    if seq != expected_seq:
        missing = (
            f"entry seq={expected_seq} is" if seq == expected_seq + 1
            else f"entries seq={expected_seq}..{seq - 1} are"
        )
        return expected_seq, f"{missing} missing (deleted): seq jumps to {seq}"
    if row.prev_hash != prev_hash:
        before = f"entry seq={seq - 1}" if seq > 1 else "the genesis value"
        return seq, (
            f"entry seq={seq} does not link to {before}: its prev_hash differs from that "
            "entry's hash (the chain was broken or rewritten)"
        )
    if entry_hash(dict(row._mapping)) != row.hash:
        return seq, f"entry seq={seq} was altered: its content no longer matches its hash"
    return None


async def verify_chain(engine: AsyncEngine) -> ChainReport:
    """Check the whole log in seq order; report the first altered, unlinked or missing entry."""
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
                .where(event_log.c.seq >= expected_seq)
                .order_by(event_log.c.seq)
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
