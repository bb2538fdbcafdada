"""Repositories of organisations, API keys and engagements, and the consumer inbox."""

from __future__ import annotations

import builtins
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db._support import after_cursor, check_limit, engagement_scope, unique_violation
from hub.db.tables import api_keys, engagements, inbox, organisations
from hub.domain.errors import Conflict
from hub.domain.model import Caller, Engagement, Organisation, OrgKind, Role
from hub.ports import ApiKeyRecord, Clock


class Session:
    """The unit of work's open connection, shared by its repositories."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._conn: AsyncConnection | None = None

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    @property
    def conn(self) -> AsyncConnection:
        if self._conn is None:
            raise RuntimeError("use the unit of work inside `async with` before touching it")
        return self._conn

    def attach(self, conn: AsyncConnection) -> None:
        self._conn = conn

    def detach(self) -> AsyncConnection:
        conn = self.conn
        self._conn = None
        return conn

    async def insert(self, statement: Any, params: Any = None) -> None:
        """Run an INSERT in a savepoint, so a refused row leaves the transaction usable."""
        async with self.conn.begin_nested():
            await self.conn.execute(statement, params)


class SqlAlchemyOrganisationRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    async def add(self, org: Organisation) -> None:
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
        return await self._one(organisations.c.id == org_id)

    async def by_uscc(self, uscc: str) -> Organisation | None:
        return await self._one(organisations.c.uscc == uscc)

    async def _one(self, where: Any) -> Organisation | None:
        row = (await self._s.conn.execute(select(organisations).where(where))).first()
        if row is None:
            return None
        return Organisation(
            id=row.id, kind=OrgKind(row.kind), name=row.name, uscc=row.uscc,
            created_at=row.created_at,
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
        row = (await self._s.conn.execute(select(api_keys).where(api_keys.c.id == key_id))).first()
        if row is None:
            return None
        return ApiKeyRecord(
            id=row.id, org_id=row.org_id, role=Role(row.role), secret_hash=row.secret_hash,
            created_at=row.created_at, revoked_at=row.revoked_at,
        )

    async def revoke(self, key_id: str) -> bool:
        """Revoke a key now; False if there is no such key or it was revoked already."""
        result = await self._s.conn.execute(
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
    )


class SqlAlchemyEngagementRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    async def add(self, engagement: Engagement) -> None:
        e = engagement
        try:
            await self._s.insert(
                insert(engagements).values(
                    id=e.id, firm_org_id=e.firm_org_id, client_org_id=e.client_org_id,
                    name=e.name, reference=e.reference, period_start=e.period_start,
                    period_end=e.period_end, created_at=e.created_at,
                )
            )
        except IntegrityError as err:
            if unique_violation(err) is not None:
                raise Conflict(f"engagement {e.id} exists", field="id") from err
            raise

    async def get(self, engagement_id: str, caller: Caller | None) -> Engagement | None:
        query = select(engagements).where(engagements.c.id == engagement_id)
        if caller is not None:
            query = query.where(engagement_scope(engagements, caller))
        row = (await self._s.conn.execute(query)).first()
        return None if row is None else _engagement(row)

    async def list(
        self, caller: Caller, limit: int, cursor: str | None
    ) -> builtins.list[Engagement]:
        """The caller's engagements in (created_at, id) order, after `cursor` if given.

        The cursor of the next page is `hub.db.encode_cursor(last.created_at, last.id)`.
        """
        query = (
            select(engagements)
            .where(engagement_scope(engagements, caller))
            .order_by(engagements.c.created_at, engagements.c.id)
            .limit(check_limit(limit))
        )
        after = after_cursor(engagements, cursor)
        if after is not None:
            query = query.where(after)
        return [_engagement(r) for r in await self._s.conn.execute(query)]


class SqlAlchemyInbox:
    """Consumer de-duplication: a claim is a row written in the unit of work's transaction."""

    def __init__(self, session: Session) -> None:
        self._s = session

    async def claim(self, consumer: str, message_id: str) -> bool:
        """True the first time; False if it was claimed by a committed (or this) transaction.

        A concurrent claim of the same message waits for the first transaction to end, so a
        rolled-back claim can be made again.
        """
        conn = self._s.conn
        values = {
            "consumer": consumer, "message_id": message_id, "processed_at": self._s.clock.now(),
        }
        keys = ["consumer", "message_id"]
        statement: Any
        if conn.dialect.name == "postgresql":
            statement = postgresql.insert(inbox).values(**values).on_conflict_do_nothing(
                index_elements=keys
            )
        else:
            statement = sqlite.insert(inbox).values(**values).on_conflict_do_nothing(
                index_elements=keys
            )
        result = await conn.execute(statement.returning(inbox.c.message_id))
        return result.first() is not None
