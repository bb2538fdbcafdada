"""The document repository: which stored document (by SHA-256) belongs to which confirmation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from hub.db._support import unique_violation
from hub.db.repositories import Session
from hub.db.tables import documents
from hub.domain.errors import Conflict
from hub.domain.model import Document

_GET = select(documents).where(
    documents.c.confirmation_id == bindparam("cid"), documents.c.kind == bindparam("kind")
)
_INSERT = insert(documents)


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
        try:
            await self._s.insert(_INSERT, values)
        except IntegrityError as e:
            if unique_violation(e) is not None:
                raise Conflict(
                    f"confirmation {document.confirmation_id} has a {document.kind} already"
                ) from e
            raise

    async def get(self, confirmation_id: str, kind: str) -> Document | None:
        row = (await self._s.conn.execute(_GET, {"cid": confirmation_id, "kind": kind})).first()
        if row is None:
            return None
        return Document(
            confirmation_id=row.confirmation_id, kind=row.kind, sha256=row.sha256,
            size=row.size, media_type=row.media_type, created_at=row.created_at,
        )
