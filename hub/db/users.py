"""hub.ports.UserStore on SQLAlchemy: firm web users and their sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db._support import unique_violation
from hub.db.engine import begin_read, begin_write
from hub.db.tables import web_sessions, web_users
from hub.domain.errors import Conflict
from hub.domain.model import Role
from hub.domain.users import WebSession, WebUser


def _user(r: Any) -> WebUser:
    return WebUser(
        id=r.id, org_id=r.org_id, email=r.email, display_name=r.display_name,
        role=Role(r.role), password_hash=r.password_hash, created_at=r.created_at,
        disabled_at=r.disabled_at, failed_attempts=r.failed_attempts,
        locked_until=r.locked_until,
    )


def _session(r: Any) -> WebSession:
    return WebSession(
        id=r.id, user_id=r.user_id, csrf_token=r.csrf_token, created_at=r.created_at,
        last_seen_at=r.last_seen_at, expires_at=r.expires_at, user_agent=r.user_agent,
    )


class SqlAlchemyUserStore:
    """Each call is its own short transaction (sign-in must not hold SQLite's write lock)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add_user(self, user: WebUser) -> None:
        try:
            async with begin_write(self._engine) as conn:
                await conn.execute(insert(web_users).values(
                    id=user.id, org_id=user.org_id, email=user.email,
                    display_name=user.display_name, role=user.role.value,
                    password_hash=user.password_hash, created_at=user.created_at,
                    disabled_at=user.disabled_at, failed_attempts=0,
                ))
        except IntegrityError as e:
            if unique_violation(e) is not None:
                raise Conflict(f"a user with e-mail {user.email} exists", field="email") from e
            raise

    async def user_by_email(self, email: str) -> WebUser | None:
        return await self._one_user(web_users.c.email == email)

    async def user(self, user_id: str) -> WebUser | None:
        return await self._one_user(web_users.c.id == user_id)

    async def _one_user(self, where: Any) -> WebUser | None:
        async with begin_read(self._engine) as conn:
            row = (await conn.execute(select(web_users).where(where))).first()
        return _user(row) if row is not None else None

    async def record_failure(self, user_id: str, now: datetime) -> int:
        """Count one more failed sign-in (atomically); returns the count in a row."""
        async with begin_write(self._engine) as conn:
            count = (await conn.execute(
                update(web_users).where(web_users.c.id == user_id)
                .values(failed_attempts=web_users.c.failed_attempts + 1)
                .returning(web_users.c.failed_attempts)
            )).scalar_one()
        return int(count)

    async def lock(self, user_id: str, until: datetime) -> None:
        async with begin_write(self._engine) as conn:
            await conn.execute(update(web_users).where(web_users.c.id == user_id)
                               .values(locked_until=until, failed_attempts=0))

    async def reset_failures(self, user_id: str) -> None:
        async with begin_write(self._engine) as conn:
            await conn.execute(update(web_users).where(web_users.c.id == user_id)
                               .values(failed_attempts=0, locked_until=None))

    async def replace_password_hash(self, user_id: str, old: str, new: str) -> bool:
        async with begin_write(self._engine) as conn:
            done = await conn.execute(update(web_users).where(
                web_users.c.id == user_id, web_users.c.password_hash == old
            ).values(password_hash=new))
        return bool(done.rowcount)

    async def disable_user(self, user_id: str, at: datetime) -> None:
        """No more sign-ins, and the user's open sessions end now."""
        async with begin_write(self._engine) as conn:
            await conn.execute(update(web_users).where(web_users.c.id == user_id)
                               .values(disabled_at=at))
            await conn.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id))

    async def add_session(self, session: WebSession) -> None:
        async with begin_write(self._engine) as conn:
            await conn.execute(insert(web_sessions).values(
                id=session.id, user_id=session.user_id, csrf_token=session.csrf_token,
                created_at=session.created_at, last_seen_at=session.last_seen_at,
                expires_at=session.expires_at, user_agent=session.user_agent,
            ))

    async def session(self, session_id: str) -> WebSession | None:
        async with begin_read(self._engine) as conn:
            row = (await conn.execute(
                select(web_sessions).where(web_sessions.c.id == session_id))).first()
        return _session(row) if row is not None else None

    async def touch_session(self, session_id: str, now: datetime) -> None:
        async with begin_write(self._engine) as conn:
            await conn.execute(update(web_sessions).where(web_sessions.c.id == session_id)
                               .values(last_seen_at=now))

    async def end_session(self, session_id: str) -> None:
        async with begin_write(self._engine) as conn:
            await conn.execute(delete(web_sessions).where(web_sessions.c.id == session_id))

    async def end_sessions_before(self, now: datetime) -> int:
        """Delete sessions past their absolute expiry; returns how many."""
        async with begin_write(self._engine) as conn:
            result = await conn.execute(
                delete(web_sessions).where(web_sessions.c.expires_at < now))
        return int(result.rowcount or 0)
