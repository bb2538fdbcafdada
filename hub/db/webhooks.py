"""The webhook repository: a firm's and its engagements' audit-software webhooks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from hub.db._support import unique_violation
from hub.db.repositories import Session
from hub.db.tables import webhooks
from hub.domain.errors import Conflict
from hub.domain.webhooks import FIRM_SCOPE, Webhook

_GET = select(webhooks).where(webhooks.c.firm_org_id == bindparam("firm"),
                              webhooks.c.scope == bindparam("scope"))
# The engagement's own before the firm's (false sorts before true).
_EITHER = (select(webhooks)
           .where(webhooks.c.firm_org_id == bindparam("firm"),
                  webhooks.c.scope.in_([bindparam("scope"), FIRM_SCOPE]))
           .order_by((webhooks.c.scope == FIRM_SCOPE).asc()))
_INSERT = insert(webhooks)
_UPDATE = (update(webhooks)
           .where(webhooks.c.id == bindparam("wid"))
           .values(url=bindparam("url"), sealed_secret=bindparam("sealed_secret"),
                   updated_at=bindparam("updated_at"), updated_by=bindparam("updated_by")))
_DELETE = delete(webhooks).where(webhooks.c.id == bindparam("wid"))


def _scope(engagement_id: str | None) -> str:
    return engagement_id or FIRM_SCOPE


def _webhook(row: Row[Any]) -> Webhook:
    return Webhook(id=row.id, firm_org_id=row.firm_org_id, engagement_id=row.engagement_id,
                   url=row.url, sealed_secret=row.sealed_secret, created_at=row.created_at,
                   updated_at=row.updated_at, updated_by=row.updated_by)


class SqlAlchemyWebhookRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    async def save(self, webhook: Webhook) -> None:
        """Insert, or replace the URL and secret of the one with the same id; Conflict when
        another request registered one for the same scope meanwhile."""
        conn = await self._s.writer()
        changed = await conn.execute(_UPDATE, {
            "wid": webhook.id, "url": webhook.url, "sealed_secret": webhook.sealed_secret,
            "updated_at": webhook.updated_at, "updated_by": webhook.updated_by})
        if changed.rowcount:
            return
        try:
            await self._s.insert(_INSERT, {
                "id": webhook.id, "firm_org_id": webhook.firm_org_id,
                "engagement_id": webhook.engagement_id, "scope": webhook.scope,
                "url": webhook.url, "sealed_secret": webhook.sealed_secret,
                "created_at": webhook.created_at, "updated_at": webhook.updated_at,
                "updated_by": webhook.updated_by})
        except IntegrityError as e:
            if unique_violation(e) is not None:
                raise Conflict("a webhook was registered for this scope at the same time; "
                               "read it and try again") from e
            raise

    async def get(self, firm_org_id: str, engagement_id: str | None) -> Webhook | None:
        row = (await self._s.conn.execute(
            _GET, {"firm": firm_org_id, "scope": _scope(engagement_id)})).first()
        return None if row is None else _webhook(row)

    async def remove(self, firm_org_id: str, engagement_id: str | None) -> Webhook | None:
        found = await self.get(firm_org_id, engagement_id)
        if found is not None:
            conn = await self._s.writer()
            await conn.execute(_DELETE, {"wid": found.id})
        return found

    async def for_engagement(self, firm_org_id: str, engagement_id: str) -> Webhook | None:
        row = (await self._s.conn.execute(
            _EITHER, {"firm": firm_org_id, "scope": engagement_id})).first()
        return None if row is None else _webhook(row)
