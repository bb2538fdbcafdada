"""Repositories of organisations, API keys and engagements, and the consumer inbox."""

from __future__ import annotations

import builtins
import collections
import contextlib
import functools
import weakref
from typing import Any

from sqlalchemy import Row, bindparam, delete, exists, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.db._support import (
    after_cursor,
    check_limit,
    encode_cursor,
    engagement_scope,
    scope_kind,
    scope_params,
    unique_violation,
)
from hub.db.engine import BEGIN_OPTION, write_slot
from hub.db.tables import api_keys, engagements, inbox, organisations, parked_messages
from hub.domain.errors import Conflict
from hub.domain.model import Caller, Engagement, Organisation, OrgKind, Role
from hub.ports import ApiKeyRecord, Clock


class Session:
    """The unit of work's connections, shared by its repositories.

    On PostgreSQL one connection in one READ COMMITTED transaction does everything. On SQLite,
    which lets one writer in at a time, plain reads run on a read connection (a DEFERRED
    snapshot that takes no lock) and the write transaction starts only at the first write or
    locking read (`writer()`): it queues for the process's write slot, ends the read snapshot
    and begins IMMEDIATE. Reads after that point go through the writer and see its changes.
    Like PostgreSQL's READ COMMITTED, a plain read may be older than the write transaction:
    read what you mean to change with `for_update`, or let the version check catch it.
    """

    def __init__(self, clock: Clock, engine: AsyncEngine | None = None, *,
                 readonly: bool = False) -> None:
        self.clock = clock
        self._engine = engine
        self._readonly = readonly
        self._read: AsyncConnection | None = None
        self._write: AsyncConnection | None = None
        self._slot: contextlib.AbstractAsyncContextManager[None] | None = None

    @property
    def engine(self) -> AsyncEngine | None:
        return self._engine

    @property
    def is_open(self) -> bool:
        return self._read is not None or self._write is not None

    @property
    def conn(self) -> AsyncConnection:
        """The connection reads use now (the writer once there is one)."""
        conn = self._write or self._read
        if conn is None:
            raise RuntimeError("use the unit of work inside `async with` before touching it")
        return conn

    @property
    def lazy_writer(self) -> bool:
        return self._engine is not None and self._engine.dialect.name == "sqlite"

    async def open(self) -> None:
        if self.is_open:
            raise RuntimeError("this unit of work is already open")
        if self._engine is None:
            raise RuntimeError("this session has no engine to open")
        if self.lazy_writer:
            self._read = await self._begin(BEGIN_OPTION, "DEFERRED")
        elif self._readonly:
            # Reads on their own need no transaction: no BEGIN and no ROLLBACK round trips.
            self._read = await self._begin("isolation_level", "AUTOCOMMIT")
        else:
            self._write = await self._begin()

    async def _begin(self, *option: str) -> AsyncConnection:
        assert self._engine is not None
        conn = await self._engine.connect()
        try:
            if option:
                await conn.execution_options(**{option[0]: option[1]})
            await conn.begin()
        except BaseException:
            await conn.close()
            raise
        return conn

    async def writer(self) -> AsyncConnection:
        """The connection in the write transaction, begun now if it is not yet."""
        if self._write is not None:
            return self._write
        if self._readonly:
            raise RuntimeError("a read-only unit of work cannot write")
        if self._read is None:
            raise RuntimeError("use the unit of work inside `async with` before touching it")
        assert self._engine is not None
        await self._end_read()
        slot = write_slot(self._engine)
        await slot.__aenter__()
        try:
            self._write = await self._begin(BEGIN_OPTION, "IMMEDIATE")
        except BaseException:
            await slot.__aexit__(None, None, None)
            raise
        self._slot = slot
        return self._write

    async def _end_read(self) -> None:
        conn, self._read = self._read, None
        if conn is not None:
            try:
                if conn.in_transaction():
                    await conn.rollback()
            finally:
                await conn.close()

    async def commit(self) -> None:
        if self._write is not None:
            await self._write.commit()
        await self._end_read()

    async def rollback(self) -> None:
        if self._write is not None and self._write.in_transaction():
            await self._write.rollback()
        await self._end_read()

    async def close(self) -> None:
        """Roll back what was not committed and give every connection back."""
        try:
            await self.rollback()
        finally:
            conn, self._write = self._write, None
            slot, self._slot = self._slot, None
            try:
                if conn is not None:
                    await conn.close()
            finally:
                if slot is not None:
                    await slot.__aexit__(None, None, None)

    async def insert(self, statement: Any, params: Any = None) -> None:
        """Run an INSERT so that a refused row leaves the transaction usable.

        PostgreSQL aborts the whole transaction on an error, so the INSERT runs in a savepoint;
        SQLite undoes just the failing statement, so it needs none.
        """
        conn = await self.writer()
        if self.lazy_writer:
            await conn.execute(statement, params)
            return
        async with conn.begin_nested():
            await conn.execute(statement, params)


_ORG_BY_ID = select(organisations).where(organisations.c.id == bindparam("v"))
_ORG_BY_USCC = select(organisations).where(organisations.c.uscc == bindparam("v"))

ORG_CACHE_SIZE = 4096
"""Organisations each process remembers by id (per database)."""

_ORGS: weakref.WeakKeyDictionary[Any, collections.OrderedDict[str, Organisation]] = (
    weakref.WeakKeyDictionary())


class SqlAlchemyOrganisationRepository:
    """Organisations, remembered by id once read: a row is never changed or deleted after it
    is written (no code path does either; one that did would have to drop this cache), and a
    letter's handling reads its firm's and client's a dozen times. One written by this unit
    of work is not remembered until read by another, so a rollback leaves nothing behind."""

    def __init__(self, session: Session) -> None:
        self._s = session
        self._added: set[str] = set()

    def _cache(self) -> collections.OrderedDict[str, Organisation] | None:
        engine = self._s.engine
        if engine is None:
            return None
        return _ORGS.setdefault(engine.sync_engine, collections.OrderedDict())

    async def add(self, org: Organisation) -> None:
        self._added.add(org.id)
        try:
            await self._s.insert(
                insert(organisations).values(
                    id=org.id, kind=org.kind.value, name=org.name, uscc=org.uscc,
                    created_at=org.created_at,
                )
            )
        except IntegrityError as e:
            message = unique_violation(e)
            if message is not None and "uscc" in message:
                raise Conflict(
                    f"an organisation with 统一社会信用代码 {org.uscc} exists", field="uscc"
                ) from e
            if message is not None:
                raise Conflict(f"organisation {org.id} exists", field="id") from e
            raise

    async def get(self, org_id: str) -> Organisation | None:
        cache = self._cache()
        if cache is not None and (known := cache.get(org_id)) is not None:
            cache.move_to_end(org_id)
            return known
        org = await self._one(_ORG_BY_ID, org_id)
        if cache is not None and org is not None and org_id not in self._added:
            cache[org_id] = org
            if len(cache) > ORG_CACHE_SIZE:
                cache.popitem(last=False)
        return org

    async def by_uscc(self, uscc: str) -> Organisation | None:
        return await self._one(_ORG_BY_USCC, uscc)

    async def _one(self, statement: Any, value: str) -> Organisation | None:
        row = (await self._s.conn.execute(statement, {"v": value})).first()
        if row is None:
            return None
        return Organisation(
            id=row.id, kind=OrgKind(row.kind), name=row.name, uscc=row.uscc,
            created_at=row.created_at,
        )


_KEY_WITH_ORG = (
    select(api_keys, organisations.c.kind.label("org_kind"))
    .outerjoin(organisations, organisations.c.id == api_keys.c.org_id)
    .where(api_keys.c.id == bindparam("key_id"))
)


class SqlAlchemyApiKeyRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    async def add(self, key: ApiKeyRecord) -> None:
        try:
            await self._s.insert(
                insert(api_keys).values(
                    id=key.id, org_id=key.org_id, role=key.role.value,
                    secret_hash=key.secret_hash, created_at=key.created_at,
                    revoked_at=key.revoked_at,
                )
            )
        except IntegrityError as e:
            if unique_violation(e) is not None:
                raise Conflict(f"API key id {key.id} exists", field="id") from e
            raise

    async def get(self, key_id: str) -> ApiKeyRecord | None:
        """The key with its organisation's kind, in one query (it runs on every request)."""
        row = (await self._s.conn.execute(_KEY_WITH_ORG, {"key_id": key_id})).first()
        if row is None:
            return None
        return ApiKeyRecord(
            id=row.id, org_id=row.org_id, role=Role(row.role), secret_hash=row.secret_hash,
            created_at=row.created_at, revoked_at=row.revoked_at,
            org_kind=OrgKind(row.org_kind) if row.org_kind else None,
        )

    async def of_org(self, org_id: str | None) -> list[ApiKeyRecord]:
        """The keys of `org_id` (of every organisation with None), oldest first."""
        stmt = select(api_keys, organisations.c.kind.label("org_kind")).outerjoin(
            organisations, organisations.c.id == api_keys.c.org_id)
        if org_id is not None:
            stmt = stmt.where(api_keys.c.org_id == org_id)
        rows = (await self._s.conn.execute(stmt.order_by(api_keys.c.created_at,
                                                         api_keys.c.id))).all()
        return [ApiKeyRecord(
            id=row.id, org_id=row.org_id, role=Role(row.role), secret_hash=row.secret_hash,
            created_at=row.created_at, revoked_at=row.revoked_at,
            org_kind=OrgKind(row.org_kind) if row.org_kind else None) for row in rows]

    async def revoke(self, key_id: str) -> bool:
        """Revoke a key now; False if there is no such key or it was revoked already."""
        conn = await self._s.writer()
        result = await conn.execute(
            update(api_keys)
            .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=self._s.clock.now())
        )
        return bool(result.rowcount)


def _engagement(row: Row[Any]) -> Engagement:
    return Engagement(
        id=row.id, firm_org_id=row.firm_org_id, client_org_id=row.client_org_id,
        name=row.name, period_start=row.period_start, period_end=row.period_end,
        created_at=row.created_at, reference=row.reference,
        second_request_days=tuple(row.second_request_days or (1,)),
        responder_overrides=tuple(row.responder_overrides or ()),
        client_name=row.client_name,
        client_name_disputed=bool(row.client_name_disputed),
    )


def _disputed() -> Any:
    """Whether another engagement, or the organisation's own record, of the same audited
    entity gives it another name (which one, or whose, is never told)."""
    other = engagements.alias("other_engagement")
    org = organisations.alias("client_org")
    mine = engagements.c.client_name
    return or_(
        exists().where(other.c.client_org_id == engagements.c.client_org_id,
                       other.c.client_name.is_not(None), mine.is_not(None),
                       other.c.client_name != mine),
        exists().where(org.c.id == engagements.c.client_org_id, mine.is_not(None),
                       org.c.name != mine),
    ).label("client_name_disputed")


@functools.cache
def _engagement_statement(kind: str | None) -> Any:
    """SELECT one engagement by :eid in a caller's scope (`kind`); built once per shape."""
    query = select(engagements, _disputed()).where(engagements.c.id == bindparam("eid"))
    return query if kind is None else query.where(engagement_scope(engagements, kind))


class SqlAlchemyEngagementRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    async def add(self, engagement: Engagement) -> None:
        e = engagement
        try:
            await self._s.insert(
                insert(engagements).values(
                    id=e.id, firm_org_id=e.firm_org_id, client_org_id=e.client_org_id,
                    name=e.name, client_name=e.client_name, reference=e.reference,
                    period_start=e.period_start,
                    period_end=e.period_end, created_at=e.created_at,
                    second_request_days=list(e.second_request_days),
                    responder_overrides=list(e.responder_overrides) or None,
                )
            )
        except IntegrityError as err:
            if unique_violation(err) is not None:
                raise Conflict(f"engagement {e.id} exists", field="id") from err
            raise

    async def get(self, engagement_id: str, caller: Caller | None) -> Engagement | None:
        query = _engagement_statement(None if caller is None else scope_kind(caller))
        params = {"eid": engagement_id, **scope_params(caller)}
        row = (await self._s.conn.execute(query, params)).first()
        return None if row is None else _engagement(row)

    async def list(
        self, caller: Caller, limit: int, cursor: str | None
    ) -> builtins.list[Engagement]:
        """The caller's engagements in (created_at, id) order, after `cursor` if given.

        The cursor of the next page is `hub.db.encode_cursor(last.created_at, last.id)`.
        """
        query = (
            select(engagements, _disputed())
            .where(engagement_scope(engagements, scope_kind(caller)))
            .order_by(engagements.c.created_at, engagements.c.id)
            .limit(check_limit(limit))
        )
        after = after_cursor(engagements, cursor)
        if after is not None:
            query = query.where(after)
        return [_engagement(r) for r in await self._s.conn.execute(query, scope_params(caller))]

    def cursor_after(self, engagement: Engagement) -> str:
        """The cursor of the page that starts after `engagement`."""
        return encode_cursor(engagement.created_at, engagement.id)


_CLAIM = {
    "postgresql": postgresql.insert(inbox)
    .on_conflict_do_nothing(index_elements=["consumer", "message_id"])
    .returning(inbox.c.message_id),
    "sqlite": sqlite.insert(inbox)
    .on_conflict_do_nothing(index_elements=["consumer", "message_id"])
    .returning(inbox.c.message_id),
}
"""INSERT of an inbox row that returns nothing if the message was claimed already."""


class SqlAlchemyInbox:
    """Consumer de-duplication: a claim is a row written in the unit of work's transaction."""

    def __init__(self, session: Session) -> None:
        self._s = session

    async def claim(self, consumer: str, message_id: str) -> bool:
        """True the first time; False if it was claimed by a committed (or this) transaction.

        A concurrent claim of the same message waits for the first transaction to end, so a
        rolled-back claim can be made again.
        """
        conn = await self._s.writer()
        values = {
            "consumer": consumer, "message_id": message_id, "processed_at": self._s.clock.now(),
        }
        result = await conn.execute(_CLAIM[conn.dialect.name], values)
        return result.first() is not None

    async def settle_parked(self, queue: str, message_id: str) -> int:
        """Delete the parked copies of a message applied after all (replayed ones stay, as
        the operator's record)."""
        conn = await self._s.writer()
        result = await conn.execute(delete(parked_messages).where(
            parked_messages.c.message_id == message_id, parked_messages.c.queue == queue,
            parked_messages.c.replayed_at.is_(None)))
        return int(result.rowcount or 0)
