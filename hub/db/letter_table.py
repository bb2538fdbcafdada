"""An engagement's letters as the firm's table shows them: filtered, searched, counted and
paged in SQL, overdue ones first (the web UI's confirmations table)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement

from hub.db._support import confirmation_scope, scope_kind, scope_params
from hub.db.tables import confirmations
from hub.domain.model import AWAITING_REPLY, Caller, LetterType, Status
from hub.ports import LetterRow, LetterTablePage, LetterTableQuery

_C = confirmations.c
RESPONDER_NAME = _C.letter["responder"]["name"].as_string()
"""The responder's name as the letter gives it (JSON on SQLite, JSONB on PostgreSQL)."""


def _overdue(today: Any) -> ColumnElement[bool]:
    """hub.domain.model.reply_overdue in SQL: delivered, and the reply due date has passed."""
    return and_(_C.status.in_(AWAITING_REPLY), _C.reply_due < today)


async def letter_table(conn: AsyncConnection, caller: Caller,
                       q: LetterTableQuery) -> LetterTablePage:
    """One page of the caller's engagement's letters that pass the filters, with how many
    pass them and how many of the engagement's letters are overdue."""
    scoped = and_(confirmation_scope(confirmations, scope_kind(caller)),
                  _C.engagement_id == q.engagement_id)
    chosen = [scoped]
    if q.status is not None:
        chosen.append(_C.status == q.status.value)
    if q.overdue:
        chosen.append(_overdue(q.today))
    if q.with_exceptions:
        chosen.append(_C.exception_count > 0)
    if q.search:
        needle = q.search.casefold()
        chosen.append(or_(func.lower(_C.letter_number).contains(needle, autoescape=True),
                          func.lower(RESPONDER_NAME).contains(needle, autoescape=True)))
    params = scope_params(caller)
    counts = select(
        func.count().filter(and_(*chosen)),
        func.count().filter(_overdue(q.today)),
    ).where(scoped)
    total, overdue = (await conn.execute(counts, params)).one()
    first = case((_overdue(q.today), 0), else_=1)
    rows = await conn.execute(
        select(_C.id, _C.letter_number, _C.letter_type, RESPONDER_NAME.label("responder"),
               _C.status, _C.reply_due, _C.exception_count)
        .where(*chosen)
        .order_by(first, _C.letter_number, _C.id)
        .offset(q.offset).limit(q.limit), params)
    return LetterTablePage(
        rows=[LetterRow(id=r.id, letter_number=r.letter_number,
                        letter_type=LetterType(r.letter_type), responder=r.responder or "",
                        status=Status(r.status), reply_due=r.reply_due,
                        exception_count=r.exception_count or 0) for r in rows],
        total=total, overdue=overdue)
