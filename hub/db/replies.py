"""Replies kept as evidence, and the exceptions an accepted reply gave."""

from __future__ import annotations

import builtins
from typing import Any

from sqlalchemy import Row, insert, select, update

from hub.db.repositories import Session
from hub.db.tables import replies, reply_exceptions
from hub.domain.replies import Reply, ReplyException, ReplyStatus


def _reply(row: Row[Any]) -> Reply:
    return Reply(
        id=row.id, confirmation_id=row.confirmation_id, sha256=row.sha256,
        received_at=row.received_at, received_by=row.received_by,
        status=ReplyStatus(row.status), data=row.data, reason=row.reason, signer=row.signer,
        signer_sha256=row.signer_sha256, checked_at=row.checked_at, checks=row.checks,
    )


class SqlAlchemyReplyRepository:
    """hub.ports.ReplyRepository; callers scope by the confirmation they loaded first."""

    def __init__(self, session: Session) -> None:
        self._s = session

    async def add(self, reply: Reply) -> None:
        conn = await self._s.writer()
        await conn.execute(insert(replies).values(
            id=reply.id, confirmation_id=reply.confirmation_id, sha256=reply.sha256,
            data=reply.data, received_at=reply.received_at, received_by=reply.received_by,
            status=reply.status.value, reason=reply.reason,
        ))

    async def get(self, reply_id: str) -> Reply | None:
        row = (await self._s.conn.execute(
            select(replies).where(replies.c.id == reply_id))).first()
        return _reply(row) if row else None

    async def by_sha256(self, confirmation_id: str, sha256: str) -> Reply | None:
        row = (await self._s.conn.execute(select(replies).where(
            replies.c.confirmation_id == confirmation_id, replies.c.sha256 == sha256))).first()
        return _reply(row) if row else None

    async def of(self, confirmation_id: str) -> builtins.list[Reply]:
        rows = await self._s.conn.execute(
            select(replies).where(replies.c.confirmation_id == confirmation_id)
            .order_by(replies.c.received_at, replies.c.id))
        return [_reply(r) for r in rows]

    async def checked(self, reply: Reply) -> None:
        """Record the outcome of a reply's checks (status, reason, signer)."""
        conn = await self._s.writer()
        await conn.execute(update(replies).where(replies.c.id == reply.id).values(
            status=reply.status.value, reason=reply.reason, signer=reply.signer,
            signer_sha256=reply.signer_sha256, checked_at=reply.checked_at,
            checks=reply.checks))

    async def add_exceptions(self, confirmation_id: str, reply_id: str,
                             found: builtins.list[ReplyException]) -> None:
        if not found:
            return
        conn = await self._s.writer()
        await conn.execute(insert(reply_exceptions), [
            {"confirmation_id": confirmation_id, "reply_id": reply_id, "item": e.item,
             "row": e.row, "field": e.field, "kind": e.kind, "book_value": e.book_value,
             "confirmed_value": e.confirmed_value, "difference": e.difference,
             "explanation": e.explanation}
            for e in found
        ])

    async def exceptions(self, confirmation_id: str) -> builtins.list[ReplyException]:
        rows = await self._s.conn.execute(
            select(reply_exceptions).where(reply_exceptions.c.confirmation_id == confirmation_id)
            .order_by(reply_exceptions.c.id))
        return [ReplyException(item=r.item, row=r.row, field=r.field, kind=r.kind,
                               book_value=r.book_value, confirmed_value=r.confirmed_value,
                               difference=r.difference, explanation=r.explanation)
                for r in rows]
