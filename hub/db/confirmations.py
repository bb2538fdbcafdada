"""The confirmation repository: row mapping, tenant scoping, pagination, optimistic updates."""

from __future__ import annotations

import builtins
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, Text, and_, bindparam, cast, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db import eventlog
from hub.db._support import (
    after_cursor,
    check_limit,
    confirmation_scope,
    encode_cursor,
    scope_kind,
    scope_params,
    unique_violation,
)
from hub.db.letter_table import letter_table
from hub.db.repositories import Session
from hub.db.tables import confirmation_amounts, confirmations
from hub.db.types import to_money
from hub.domain import events
from hub.domain.errors import Conflict, DuplicateIdempotencyKey, StaleWrite, ValidationFailed
from hub.domain.model import (
    ACTIVE,
    AWAITING_REPLY,
    AmountLine,
    Caller,
    Confirmation,
    LetterType,
    Mode,
    Status,
)
from hub.ports import ConfirmationFilter, HistoryEntry, LetterTablePage, LetterTableQuery, Page


def _values(c: Confirmation) -> dict[str, Any]:
    """Every column but id and letter, as the row should now hold it.

    The letter is written once, at insert: a submitted letter never changes (a correction is
    a new confirmation linked to the old one), so updates neither compare nor rewrite it.
    """
    return {
        "firm_org_id": c.firm_org_id,
        "engagement_id": c.engagement_id,
        "client_org_id": c.client_org_id,
        "responder_org_id": c.responder_org_id,
        "letter_type": c.letter_type.value,
        "mode": c.mode.value,
        "letter_number": c.letter_number,
        "as_of_date": c.as_of_date,
        "scope": c.scope,
        "business_key": c.business_key,
        "active_business_key": c.business_key if c.status in ACTIVE else None,
        "status": c.status.value,
        "status_reason": c.status_reason,
        "authorisation_due": c.authorisation_due,
        "reply_due": c.reply_due,
        "idempotency_key": c.idempotency_key,
        "request_hash": c.request_hash,
        "parent_id": c.parent_id,
        "created_at": c.created_at,
        "updated_at": c.updated_at or c.created_at,
        "version": c.version,
        "authorised_by": c.authorised_by,
        "authorised_at": c.authorised_at,
        "letter_sha256": c.letter_sha256,
        "dispatched_at": c.dispatched_at,
        "delivered_at": c.delivered_at,
        "return_due": c.return_due,
        "exception_count": c.exception_count,
        "second_requests": c.second_requests,
        "warnings": c.warnings or None,
        "delivery_state": c.delivery_state,
        "delivery_reason": c.delivery_reason,
    }


def _amount_rows(c: Confirmation) -> list[dict[str, Any]]:
    rows = []
    for line in c.amounts:
        try:
            amount = to_money(line.amount)
        except ValidationFailed as e:
            raise ValidationFailed(e.message, field=f"/letter{line.pointer}") from e
        rows.append({
            "confirmation_id": c.id, "pointer": line.pointer, "currency": line.currency,
            "amount": amount,
        })
    return rows


def _confirmation(row: Row[Any], amounts: list[AmountLine]) -> Confirmation:
    return Confirmation(
        id=row.id,
        firm_org_id=row.firm_org_id,
        engagement_id=row.engagement_id,
        client_org_id=row.client_org_id,
        responder_org_id=row.responder_org_id,
        letter_type=LetterType(row.letter_type),
        mode=Mode(row.mode),
        letter_number=row.letter_number,
        as_of_date=row.as_of_date,
        letter=row.letter,
        business_key=row.business_key,
        created_at=row.created_at,
        status=Status(row.status),
        updated_at=row.updated_at,
        authorisation_due=row.authorisation_due,
        reply_due=row.reply_due,
        status_reason=row.status_reason,
        idempotency_key=row.idempotency_key,
        request_hash=row.request_hash,
        scope=row.scope,
        parent_id=row.parent_id,
        amounts=amounts,
        version=row.version,
        authorised_by=row.authorised_by,
        authorised_at=row.authorised_at,
        letter_sha256=row.letter_sha256,
        dispatched_at=row.dispatched_at,
        delivered_at=row.delivered_at,
        return_due=row.return_due,
        exception_count=row.exception_count,
        second_requests=row.second_requests or 0,
        warnings=list(row.warnings or ()),
        delivery_state=row.delivery_state,
        delivery_reason=row.delivery_reason,
    )


def _duplicate_key() -> DuplicateIdempotencyKey:
    return DuplicateIdempotencyKey(
        "this Idempotency-Key was already used for another confirmation of this firm",
        field="Idempotency-Key",
    )


def _letter_number_taken(c: Confirmation) -> Conflict:
    return Conflict(
        f"letter number (函证编号) {c.letter_number} is already used by another "
        "confirmation of this firm",
        field="/letter/letter_number",
    )


def _business_key_taken() -> Conflict:
    return Conflict(
        "an active confirmation with the same engagement, responder, 函证基准日, letter "
        "type and scope exists; cancel it first, or change the scope",
        field="/letter",
    )


def _id_taken(c: Confirmation) -> Conflict:
    return Conflict(f"confirmation {c.id} exists", field="id")


def _insert_conflict(error: IntegrityError, c: Confirmation) -> Conflict | None:
    message = unique_violation(error)
    if message is None:
        return None
    if "idempotency_key" in message:
        return _duplicate_key()
    if "letter_number" in message:
        return _letter_number_taken(c)
    if "business_key" in message:
        return _business_key_taken()
    return _id_taken(c)


_AMOUNT_INSERT = {
    "postgresql": "INSERT INTO confirmation_amounts (confirmation_id, pointer, currency, amount) "
                  "VALUES ($1, $2, $3, $4)",
    "sqlite": "INSERT INTO confirmation_amounts (confirmation_id, pointer, currency, amount) "
              "VALUES (?, ?, ?, ?)",
}


async def _insert_amounts(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT amount lines (from _amount_rows: already checked and scaled) through the driver.

    A letter has a dozen lines or more, and SQLAlchemy's per-row work on an executemany
    (parameters, the Money type's check again) cost more than inserting them; so the values go
    to the driver as the Money type would give them: a Decimal to asyncpg, its text to SQLite.
    tests/integration/test_db_uow.py reads them back through SQLAlchemy on both.
    """
    if not rows:
        return
    dialect = conn.dialect.name
    as_text = dialect == "sqlite"
    params = [(r["confirmation_id"], r["pointer"], r["currency"],
               str(r["amount"]) if as_text else r["amount"]) for r in rows]
    await conn.exec_driver_sql(_AMOUNT_INSERT[dialect], params)


@functools.cache
def _amounts_column(dialect: str) -> Any:
    """Each row's amount lines as a JSON array of [pointer, currency, amount text], in the
    order they were written: read with the row, so a load is one statement, not two."""
    a = confirmation_amounts.alias("a")
    if dialect == "postgresql":
        line = func.json_build_array(a.c.pointer, a.c.currency, cast(a.c.amount, Text))
        agg = select(func.json_agg(aggregate_order_by(line, a.c.id)))
        return agg.where(a.c.confirmation_id == confirmations.c.id).scalar_subquery().label(
            _AMOUNTS)
    # SQLite has no ORDER BY inside an aggregate before 3.44: aggregate an ordered subquery.
    ordered = (
        select(a.c.pointer, a.c.currency, a.c.amount)
        .where(a.c.confirmation_id == confirmations.c.id).order_by(a.c.id)
        .correlate(confirmations).subquery()
    )
    line = func.json_array(ordered.c.pointer, ordered.c.currency, ordered.c.amount)
    return select(func.json_group_array(line)).scalar_subquery().label(_AMOUNTS)


_AMOUNTS = "amounts_json"


def _select(dialect: str) -> Any:
    """SELECT confirmations with their amount lines."""
    return select(confirmations, _amounts_column(dialect))


def _amount_lines(raw: Any) -> list[AmountLine]:
    lines = json.loads(raw) if isinstance(raw, str | bytes) else raw
    return [AmountLine(pointer=p, currency=cur, amount=Decimal(amount))
            for p, cur, amount in lines or ()]


@functools.cache
def _get_statement(kind: str | None, lock: bool, dialect: str) -> Any:
    """SELECT one confirmation by :cid, in a caller's scope (`kind`), FOR UPDATE if `lock`.

    Built once per shape: building a statement and its cache key costs more than running it.
    """
    query = _select(dialect).where(confirmations.c.id == bindparam("cid"))
    if kind is not None:
        query = query.where(confirmation_scope(confirmations, kind))
    return query.with_for_update(of=confirmations) if lock else query

_UPDATE_IF_UNCHANGED = update(confirmations).where(
    confirmations.c.id == bindparam("b_id"), confirmations.c.version == bindparam("b_version")
)
"""UPDATE of the columns given as parameters, if the row is still at the version read."""

_INSERT_NEW = {
    "postgresql": postgresql.insert(confirmations).on_conflict_do_nothing()
    .returning(confirmations.c.id),
    "sqlite": sqlite.insert(confirmations).on_conflict_do_nothing()
    .returning(confirmations.c.id),
}
"""INSERT of a new confirmation that returns no row instead of failing on a unique key."""


@dataclass
class _Tracked:
    confirmation: Confirmation
    values: dict[str, Any]
    amounts: list[dict[str, Any]]
    lines: tuple[AmountLine, ...]
    """The amount lines `amounts` was made from: while the confirmation holds the same ones
    (frozen objects), its rows need not be made again to see that nothing changed."""

    @classmethod
    def of(cls, c: Confirmation) -> _Tracked:
        # scalars only: no deep copy needed
        return cls(c, _values(c), _amount_rows(c), tuple(c.amounts))

    @property
    def version(self) -> int:
        return int(self.values["version"])


class SqlAlchemyConfirmationRepository:
    """Tracks every confirmation it adds or loads; the unit of work flushes them at commit."""

    def __init__(self, session: Session) -> None:
        self._s = session
        self._tracked: dict[str, _Tracked] = {}
        self._flushed: dict[str, _Tracked] = {}

    # ------------------------------------------------------------------ writes

    async def add(self, confirmation: Confirmation) -> None:
        """Insert now; Conflict (DuplicateIdempotencyKey for a reused key) names the field."""
        await self.add_all([confirmation])

    async def add_all(self, new: Sequence[Confirmation]) -> None:
        """Insert several in one statement each for rows and amount lines (a group commit).

        The INSERT skips a row that collides with a unique key instead of failing, so the
        transaction needs no savepoint; which key it was is then looked up, and Conflict names
        it (for a batch, the first that collided: the caller then rolls back, see
        hub.services.submissions).
        """
        if not new:
            return
        tracked = [_Tracked.of(c) for c in new]
        conn = await self._s.writer()
        rows = [{"id": t.confirmation.id, **t.values, "letter": t.confirmation.letter}
                for t in tracked]
        inserted = {row.id for row in await conn.execute(_INSERT_NEW[conn.dialect.name], rows)}
        for c in new:
            if c.id not in inserted:
                raise await self._collision(conn, c)
        await _insert_amounts(conn, [line for t in tracked for line in t.amounts])
        for t in tracked:
            self._tracked[t.confirmation.id] = t

    async def _collision(self, conn: AsyncConnection, c: Confirmation) -> Conflict:
        """Which unique key `c` collided with, as the error to give the caller.

        The Idempotency-Key comes first: a retry racing its original collides on every key at
        once, and the caller should then be answered with the original.
        """
        t = confirmations
        checks: list[tuple[Any, Conflict]] = []
        if c.idempotency_key:
            checks.append((and_(t.c.firm_org_id == c.firm_org_id,
                                t.c.idempotency_key == c.idempotency_key), _duplicate_key()))
        checks += [
            (and_(t.c.firm_org_id == c.firm_org_id, t.c.letter_number == c.letter_number),
             _letter_number_taken(c)),
            (t.c.active_business_key == c.business_key, _business_key_taken()),
        ]
        for where, conflict in checks:
            if (await conn.execute(select(t.c.id).where(where).limit(1))).first() is not None:
                return conflict
        return _id_taken(c)

    async def flush(self) -> None:
        """Write every changed tracked confirmation, refusing if another writer got there first.

        The UPDATE matches the version that was read; if no row matches, someone committed a
        change in between (a lost race), and this unit of work must not overwrite it.
        """
        self._flushed = {}
        for cid, tracked in self._tracked.items():
            c = tracked.confirmation
            lines = tuple(c.amounts)
            amounts = tracked.amounts if lines == tracked.lines else _amount_rows(c)
            values = _values(c)
            self._flushed[cid] = _Tracked(c, values, amounts, lines)  # what committed() keeps
            if values == tracked.values and amounts == tracked.amounts:
                continue
            conn = await self._s.writer()
            # Only the columns that changed (a state change touches a handful of thirty).
            changed = {k: v for k, v in values.items() if tracked.values.get(k) != v}
            changed["version"] = max(c.version, tracked.version + 1)
            try:
                result = await conn.execute(
                    _UPDATE_IF_UNCHANGED,
                    {**changed, "b_id": cid, "b_version": tracked.version},
                )
            except IntegrityError as e:
                conflict = _insert_conflict(e, c)
                if conflict is None:
                    raise
                raise conflict from e
            if result.rowcount != 1:
                raise StaleWrite(
                    f"confirmation {cid} was changed by another request after it was read; "
                    "nothing was saved, try again"
                )
            if amounts != tracked.amounts:
                await conn.execute(
                    delete(confirmation_amounts).where(
                        confirmation_amounts.c.confirmation_id == cid
                    )
                )
                await _insert_amounts(conn, amounts)
            c.version = changed["version"]
            self._flushed[cid] = _Tracked(c, {**values, "version": c.version}, amounts, lines)

    def collect_events(self) -> builtins.list[events.Event]:
        return [e for t in self._tracked.values() for e in t.confirmation.take_events()]

    def committed(self) -> None:
        """What is tracked is now what the database holds (as flush() found it, just before)."""
        flushed, self._flushed = self._flushed, {}
        self._tracked = {cid: flushed.get(cid) or _Tracked.of(t.confirmation)
                         for cid, t in self._tracked.items()}

    def forget(self) -> None:
        self._tracked.clear()
        self._flushed = {}

    # ------------------------------------------------------------------ reads

    async def get(
        self, confirmation_id: str, caller: Caller | None, *, for_update: bool = False
    ) -> Confirmation | None:
        """One confirmation, or None when absent or outside the caller's organisation.

        `for_update` locks the row until the transaction ends (SELECT … FOR UPDATE on
        PostgreSQL; SQLite's IMMEDIATE write transactions already exclude other writers).
        """
        conn = self._s.conn
        if for_update:
            conn = await self._s.writer()
        query = _get_statement(
            None if caller is None else scope_kind(caller),
            for_update and conn.dialect.name == "postgresql",
            conn.dialect.name,
        )
        found = await self._load(query, conn, {"cid": confirmation_id, **scope_params(caller)},
                                 refresh=for_update)
        return found[0] if found else None

    async def by_idempotency_key(self, firm_org_id: str, key: str) -> Confirmation | None:
        found = await self._load(
            _select(self._s.conn.dialect.name).where(
                confirmations.c.firm_org_id == firm_org_id,
                confirmations.c.idempotency_key == key,
            )
        )
        return found[0] if found else None

    async def list(self, caller: Caller, flt: ConfirmationFilter) -> Page:
        """The caller's confirmations in (created_at, id) order, one page after `flt.cursor`."""
        limit = check_limit(flt.limit)
        query = (
            _select(self._s.conn.dialect.name)
            .where(confirmation_scope(confirmations, scope_kind(caller)))
            .order_by(confirmations.c.created_at, confirmations.c.id)
            .limit(limit + 1)
        )
        if flt.engagement_id is not None:
            query = query.where(confirmations.c.engagement_id == flt.engagement_id)
        if flt.status is not None:
            query = query.where(confirmations.c.status == flt.status.value)
        if flt.statuses is not None:
            query = query.where(confirmations.c.status.in_([s.value for s in flt.statuses]))
        after = after_cursor(confirmations, flt.cursor)
        if after is not None:
            query = query.where(after)
        items = await self._load(query, params=scope_params(caller))
        if len(items) <= limit:
            return Page(items=items, next_cursor=None)
        items = items[:limit]
        return Page(items=items, next_cursor=encode_cursor(items[-1].created_at, items[-1].id))

    async def table(self, caller: Caller, query: LetterTableQuery) -> LetterTablePage:
        """One page of an engagement's letters for the firm's table (hub.db.letter_table)."""
        return await letter_table(self._s.conn, caller, query)

    async def due_for_expiry(self, today: date, limit: int) -> Sequence[str]:
        """Ids still awaiting authorisation whose window ended before `today`, oldest first."""
        result = await self._s.conn.execute(
            select(confirmations.c.id)
            .where(
                confirmations.c.status == Status.AWAITING_AUTHORISATION.value,
                confirmations.c.authorisation_due < today,
            )
            .order_by(confirmations.c.authorisation_due, confirmations.c.id)
            .limit(limit)
        )
        return list(result.scalars())

    async def awaiting_reply_since(self, today: date, limit: int) -> Sequence[str]:
        """Ids of letters still awaiting a reply that was due before `today`, oldest first."""
        result = await self._s.conn.execute(
            select(confirmations.c.id)
            .where(confirmations.c.status.in_(AWAITING_REPLY),
                   confirmations.c.reply_due < today)
            .order_by(confirmations.c.reply_due, confirmations.c.id)
            .limit(limit)
        )
        return list(result.scalars())

    async def history(self, confirmation_id: str) -> builtins.list[HistoryEntry]:
        return await eventlog.history(
            self._s.conn, events.ConfirmationEvent.aggregate_type, confirmation_id
        )

    async def _load(
        self, query: Any, conn: AsyncConnection | None = None,
        params: dict[str, Any] | None = None, *, refresh: bool = False,
    ) -> builtins.list[Confirmation]:
        """Run `query` over confirmations; tracked objects are returned as they are in memory.

        `refresh` (a locking read): a tracked copy that is unchanged in memory but older than
        the row is replaced by the row, so a handler that read unlocked, worked a while (a
        push, a rendering) and then locks sees what others committed meanwhile, instead of
        failing at commit on a stale version.
        """
        conn = conn or self._s.conn
        rows = (await conn.execute(query, params or {})).all()
        out = []
        for row in rows:
            tracked = self._tracked.get(row.id)
            if (refresh and tracked is not None and row.version != tracked.version
                    and _values(tracked.confirmation) == tracked.values):
                del self._tracked[row.id]
            if row.id not in self._tracked:
                amounts = _amount_lines(getattr(row, _AMOUNTS))
                self._tracked[row.id] = _Tracked.of(_confirmation(row, amounts))
            out.append(self._tracked[row.id].confirmation)
        return out
