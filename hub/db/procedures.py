"""The auditor's alternative procedures (替代程序): inserted, read, never changed."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, insert, select
from sqlalchemy.exc import IntegrityError

from hub.db._support import unique_violation
from hub.db.repositories import Session
from hub.db.tables import alternative_procedures as table
from hub.domain.errors import DuplicateIdempotencyKey
from hub.domain.procedures import AlternativeProcedure


def _procedure(row: Row[Any]) -> AlternativeProcedure:
    return AlternativeProcedure(
        id=row.id, confirmation_id=row.confirmation_id, text=row.text,
        conclusion=row.conclusion, noted_by=row.noted_by, noted_at=row.noted_at,
        idempotency_key=row.idempotency_key)


class SqlAlchemyProcedureRepository:
    """hub.ports.ProcedureRepository; callers scope by the confirmation they loaded first."""

    def __init__(self, session: Session) -> None:
        self._s = session

    async def add(self, p: AlternativeProcedure) -> None:
        """Insert; DuplicateIdempotencyKey when a concurrent retry stored the same key."""
        conn = await self._s.writer()
        try:
            await conn.execute(insert(table).values(
                id=p.id, confirmation_id=p.confirmation_id, text=p.text,
                conclusion=p.conclusion, noted_by=p.noted_by, noted_at=p.noted_at,
                idempotency_key=p.idempotency_key))
        except IntegrityError as e:
            if unique_violation(e) is None:
                raise
            raise DuplicateIdempotencyKey("this Idempotency-Key was just used for a note",
                                          field="Idempotency-Key") from e

    async def by_idempotency_key(self, confirmation_id: str, key: str
                                 ) -> AlternativeProcedure | None:
        row = (await self._s.conn.execute(select(table).where(
            table.c.confirmation_id == confirmation_id,
            table.c.idempotency_key == key))).first()
        return _procedure(row) if row else None

    async def of(self, confirmation_ids: Sequence[str]) -> builtins.list[AlternativeProcedure]:
        """The notes of these confirmations, oldest first."""
        if not confirmation_ids:
            return []
        rows = await self._s.conn.execute(
            select(table).where(table.c.confirmation_id.in_(list(confirmation_ids)))
            .order_by(table.c.seq))
        return [_procedure(r) for r in rows]
