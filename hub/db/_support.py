"""Helpers shared by the repositories: opaque cursors, tenant scopes, integrity errors."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Table, and_, bindparam, false, or_
from sqlalchemy.exc import IntegrityError

from hub.domain.errors import ValidationFailed
from hub.domain.model import Caller, Role, Status

# What a bank may see of the letters addressed to it: nothing before it is sent.
BANK_VISIBLE: frozenset[Status] = frozenset({
    Status.DISPATCHED, Status.DELIVERED, Status.RETURNED, Status.REPLIED, Status.VERIFIED,
    Status.WORKPAPER_DELIVERED,
})


def encode_cursor(created_at: datetime, object_id: str) -> str:
    """An opaque, URL-safe cursor pointing just after (created_at, id)."""
    raw = json.dumps([created_at.astimezone(UTC).isoformat(), object_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor.encode() + b"=" * (-len(cursor) % 4))
        at, object_id = json.loads(raw)
        created_at = datetime.fromisoformat(at)
        if created_at.tzinfo is None or not isinstance(object_id, str):
            raise ValueError(cursor)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as e:
        raise ValidationFailed("cursor is not one this API issued", field="cursor") from e
    return created_at, object_id


def after_cursor(table: Table, cursor: str | None) -> ColumnElement[bool] | None:
    """Rows strictly after the cursor in (created_at, id) order."""
    if cursor is None:
        return None
    created_at, object_id = decode_cursor(cursor)
    return or_(
        table.c.created_at > created_at,
        and_(table.c.created_at == created_at, table.c.id > object_id),
    )


def check_limit(limit: int) -> int:
    if not 1 <= limit <= 1000:
        raise ValidationFailed("limit must be between 1 and 1000", field="limit")
    return limit


SCOPE_ORG = "scope_org_id"
"""The bound parameter the scope clauses compare with: pass `scope_params(caller)` along."""


def scope_kind(caller: Caller) -> str:
    """Which scope clause applies to `caller`; statements are built once per kind."""
    if caller.is_firm:
        return "firm"
    if caller.role is Role.CLIENT_SIGNER:
        return "client"
    if caller.role is Role.BANK_OPERATOR:
        return "bank"
    return "none"


def scope_params(caller: Caller | None) -> dict[str, str]:
    return {} if caller is None else {SCOPE_ORG: caller.org_id}


def engagement_scope(table: Table, kind: str) -> ColumnElement[bool]:
    """The engagements (or their confirmations) a caller of scope `kind` may see."""
    if kind == "firm":
        return table.c.firm_org_id == bindparam(SCOPE_ORG)
    if kind == "client":
        return table.c.client_org_id == bindparam(SCOPE_ORG)
    return false()


def confirmation_scope(table: Table, kind: str) -> ColumnElement[bool]:
    """Firms see their letters, the audited entity its own, a bank those sent to it."""
    if kind == "bank":
        return and_(
            table.c.responder_org_id == bindparam(SCOPE_ORG),
            table.c.status.in_(sorted(s.value for s in BANK_VISIBLE)),
        )
    return engagement_scope(table, kind)


def unique_violation(error: IntegrityError) -> str | None:
    """The lower-cased driver message if `error` is a unique violation, else None.

    PostgreSQL names the constraint ("uq_confirmations_firm_org_id_letter_number"), SQLite the
    columns ("confirmations.firm_org_id, confirmations.letter_number"); the constraint names
    follow tables.metadata's naming convention, so a column name identifies both.
    """
    message = str(error.orig).lower()
    if "duplicate key" in message or "unique constraint" in message:
        return message
    return None
