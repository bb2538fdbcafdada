"""The responder registry's table: entries, their search, their version history."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from hub.db import eventlog
from hub.db._support import unique_violation
from hub.db.repositories import Session
from hub.db.tables import responders
from hub.domain import events
from hub.domain.errors import Conflict
from hub.domain.model import OrgKind
from hub.domain.responders import (
    Channel,
    Contact,
    Responder,
    ResponderStatus,
    SigningCertificate,
    conflict_uscc,
)
from hub.ports import HistoryEntry, ResponderQuery


def _contacts(r: Responder) -> list[dict[str, Any]]:
    return [{"name": c.name, "email": c.email, "phone": c.phone, "title": c.title}
            for c in r.contacts]


def _certificates(r: Responder) -> list[dict[str, Any]]:
    return [{"sha256": c.sha256, "subject": c.subject, "not_after": c.not_after.isoformat(),
             "pem": c.pem} for c in r.certificates]


def _values(r: Responder) -> dict[str, Any]:
    return {
        "org_id": r.org_id, "kind": r.kind.value, "name": r.name, "uscc": r.uscc,
        "bank_code": r.bank_code, "parent_id": r.parent_id, "reply_scope": r.reply_scope,
        "channel": r.channel.value, "endpoint": r.endpoint, "contacts": _contacts(r),
        "certificates": _certificates(r), "status": r.status.value, "version": r.version,
        "created_at": r.created_at, "updated_at": r.updated_at, "updated_by": r.updated_by,
        "verified_at": r.verified_at, "verified_by": r.verified_by,
    }


def _responder(row: Row[Any]) -> Responder:
    return Responder(
        id=row.id, org_id=row.org_id, kind=OrgKind(row.kind), name=row.name, uscc=row.uscc,
        bank_code=row.bank_code, parent_id=row.parent_id, reply_scope=row.reply_scope,
        channel=Channel(row.channel), endpoint=row.endpoint,
        contacts=tuple(Contact(**c) for c in row.contacts),
        certificates=tuple(
            SigningCertificate(sha256=c["sha256"], subject=c["subject"],
                               not_after=datetime.fromisoformat(c["not_after"]), pem=c["pem"])
            for c in row.certificates
        ),
        status=ResponderStatus(row.status), version=row.version, created_at=row.created_at,
        updated_at=row.updated_at, updated_by=row.updated_by, verified_at=row.verified_at,
        verified_by=row.verified_by,
    )


_BY_USCC = (
    select(responders).where(responders.c.uscc == bindparam("uscc"))
    .order_by((responders.c.status == ResponderStatus.RETIRED.value),
              responders.c.updated_at.desc())
    .limit(1)
)
"""The entry registered under :uscc, a live one before a retired one (built once: building a
statement costs more than running it)."""


class SqlAlchemyResponderRepository:
    """hub.ports.ResponderRepository; the registry is shared, not scoped to one tenant."""

    def __init__(self, session: Session) -> None:
        self._s = session

    async def add(self, responder: Responder) -> None:
        try:
            await self._s.insert(insert(responders).values(id=responder.id, **_values(responder)))
        except IntegrityError as e:
            if unique_violation(e) is not None:
                raise conflict_uscc(responder.uscc) from e
            raise

    async def get(self, responder_id: str, *, for_update: bool = False) -> Responder | None:
        conn = await self._s.writer() if for_update else self._s.conn
        query = select(responders).where(responders.c.id == responder_id)
        if for_update and conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = (await conn.execute(query)).first()
        return _responder(row) if row else None

    async def by_uscc(self, uscc: str) -> Responder | None:
        rows = (await self._s.conn.execute(_BY_USCC, {"uscc": uscc})).first()
        return _responder(rows) if rows else None

    async def save(self, responder: Responder, *, expected_version: int) -> None:
        conn = await self._s.writer()
        values = _values(responder)
        values.pop("created_at")
        try:
            result = await conn.execute(
                update(responders)
                .where(responders.c.id == responder.id,
                       responders.c.version == expected_version)
                .values(**values)
            )
        except IntegrityError as e:
            if unique_violation(e) is not None:
                raise conflict_uscc(responder.uscc) from e
            raise
        if result.rowcount != 1:
            raise Conflict("the registry entry was changed meanwhile; read it again",
                           field="version")

    async def search(self, query: ResponderQuery) -> builtins.list[Responder]:
        t = responders
        stmt = select(t)
        if query.q:
            q = query.q.strip()
            stmt = stmt.where(or_(t.c.name.contains(q, autoescape=True), t.c.uscc == q,
                                  t.c.bank_code == q))
        if query.kind is not None:
            stmt = stmt.where(t.c.kind == query.kind.value)
        if query.status is not None:
            stmt = stmt.where(t.c.status == query.status.value)
        stmt = stmt.order_by(t.c.name, t.c.id).limit(query.limit)
        return [_responder(r) for r in await self._s.conn.execute(stmt)]

    async def history(self, responder_id: str) -> builtins.list[HistoryEntry]:
        return await eventlog.history(
            self._s.conn, events.ResponderRecorded.aggregate_type, responder_id)
