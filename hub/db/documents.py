"""The document repository: which stored document (by SHA-256) belongs to which confirmation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from hub.db.repositories import Session
from hub.db.tables import confirmations, documents
from hub.domain.errors import Conflict
from hub.domain.model import Document

_GET = select(documents).where(
    documents.c.confirmation_id == bindparam("cid"), documents.c.kind == bindparam("kind")
)
_INSERT = {
    "postgresql": postgresql.insert(documents).on_conflict_do_nothing()
    .returning(documents.c.id),
    "sqlite": sqlite.insert(documents).on_conflict_do_nothing().returning(documents.c.id),
}
"""INSERT that skips a row whose (confirmation, kind) is taken instead of failing: one
statement, where an INSERT that may fail needs a savepoint around it on PostgreSQL."""


class SqlAlchemyDocumentRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    async def add(self, document: Document) -> None:
        """Record a document; Conflict if the confirmation has one of that kind already."""
        values: dict[str, Any] = {
            "confirmation_id": document.confirmation_id, "kind": document.kind,
            "sha256": document.sha256, "size": document.size,
            "media_type": document.media_type, "created_at": document.created_at,
        }
        conn = await self._s.writer()
        if (await conn.execute(_INSERT[conn.dialect.name], values)).first() is None:
            raise Conflict(
                f"confirmation {document.confirmation_id} has a {document.kind} already")

    async def get(self, confirmation_id: str, kind: str) -> Document | None:
        row = (await self._s.conn.execute(_GET, {"cid": confirmation_id, "kind": kind})).first()
        if row is None:
            return None
        return Document(
            confirmation_id=row.confirmation_id, kind=row.kind, sha256=row.sha256,
            size=row.size, media_type=row.media_type, created_at=row.created_at,
        )

    async def workpapers_after(self, firm_org_id: str, after: int, limit: int
                               ) -> list[tuple[int, Document, dict[str, Any]]]:
        """A firm's workpapers made after position `after`, oldest first: (position, the
        workpaper, facts of its confirmation)."""
        c = confirmations
        rows = await self._s.conn.execute(
            select(documents, c.c.letter_number, c.c.engagement_id, c.c.status,
                   c.c.exception_count, c.c.letter_type)
            .join(c, c.c.id == documents.c.confirmation_id)
            .where(documents.c.kind == "workpaper", c.c.firm_org_id == firm_org_id,
                   documents.c.id > after)
            .order_by(documents.c.id).limit(limit))
        return [(int(r.id), Document(
            confirmation_id=r.confirmation_id, kind=r.kind, sha256=r.sha256, size=r.size,
            media_type=r.media_type, created_at=r.created_at), {
            "letter_number": r.letter_number, "engagement_id": r.engagement_id,
            "status": r.status, "exception_count": r.exception_count,
            "letter_type": r.letter_type}) for r in rows]
