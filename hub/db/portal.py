"""The portal link repository: the company portal's one-time links, by token or message."""

from __future__ import annotations

import builtins
from dataclasses import fields
from datetime import date
from typing import Any

from sqlalchemy import Row, exists, insert, select, update

from hub.db.repositories import Session
from hub.db.tables import confirmations, portal_links
from hub.domain.model import Mode, Status
from hub.domain.portal import LinkStatus, PortalLink

_COLUMNS = tuple(f.name for f in fields(PortalLink))


def _link(row: Row[Any]) -> PortalLink:
    values = {name: getattr(row, name) for name in _COLUMNS}
    values["status"] = LinkStatus(values["status"])
    return PortalLink(**values)


def _values(link: PortalLink) -> dict[str, Any]:
    values = {name: getattr(link, name) for name in _COLUMNS}
    values["status"] = link.status.value
    return values


class SqlAlchemyPortalLinkRepository:
    """hub.ports.PortalLinkRepository."""

    def __init__(self, session: Session) -> None:
        self._s = session

    async def add(self, link: PortalLink) -> None:
        conn = await self._s.writer()
        await conn.execute(insert(portal_links).values(**_values(link)))

    async def by_message(self, message_id: str) -> PortalLink | None:
        row = (await self._s.conn.execute(
            select(portal_links).where(portal_links.c.message_id == message_id))).first()
        return _link(row) if row else None

    async def by_token(self, token_hash: str, *, for_update: bool = False
                       ) -> PortalLink | None:
        conn = await self._s.writer() if for_update else self._s.conn
        query = select(portal_links).where(portal_links.c.token_hash == token_hash)
        if for_update and conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = (await conn.execute(query)).first()
        return _link(row) if row else None

    async def of(self, confirmation_id: str) -> builtins.list[PortalLink]:
        rows = await self._s.conn.execute(
            select(portal_links).where(portal_links.c.confirmation_id == confirmation_id)
            .order_by(portal_links.c.created_at, portal_links.c.id))
        return [_link(r) for r in rows]

    async def negatives_unanswered(self, today: date, limit: int) -> builtins.list[str]:
        """Negative letters sent through the portal, still unanswered after their reply
        deadline (before `today`), oldest deadline first."""
        c = confirmations
        result = await self._s.conn.execute(
            select(c.c.id).where(
                c.c.mode == Mode.NEGATIVE.value, c.c.status == Status.DELIVERED.value,
                c.c.reply_due < today,
                exists().where(portal_links.c.confirmation_id == c.c.id))
            .order_by(c.c.reply_due, c.c.id).limit(limit))
        return list(result.scalars())

    async def save(self, link: PortalLink) -> None:
        conn = await self._s.writer()
        values = _values(link)
        del values["id"]
        await conn.execute(update(portal_links).where(portal_links.c.id == link.id)
                           .values(**values))
