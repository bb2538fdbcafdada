"""What repositories read and are asked: stored rows, filters and pages of results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from hub.domain.model import Confirmation, LetterType, OrgKind, Role, Status
from hub.domain.responders import ResponderStatus


@dataclass(frozen=True)
class ApiKeyRecord:
    id: str
    org_id: str
    role: Role
    secret_hash: str
    created_at: datetime
    revoked_at: datetime | None = None
    org_kind: OrgKind | None = None
    """The kind of the key's organisation, when the repository read it along (None if gone)."""


@dataclass(frozen=True)
class HistoryEntry:
    seq: int
    event_type: str
    at: datetime
    actor: str
    data: dict[str, Any]
    hash: str | None
    """None for the moment between the commit and the entry's sealing into the chain."""


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    problem: str | None = None


@dataclass(frozen=True)
class Page:
    items: list[Confirmation]
    next_cursor: str | None


@dataclass(frozen=True)
class ConfirmationFilter:
    engagement_id: str | None = None
    status: Status | None = None
    statuses: tuple[Status, ...] | None = None
    limit: int = 50
    cursor: str | None = None


@dataclass(frozen=True)
class LetterTableQuery:
    """What the firm's confirmations table asks of one engagement's letters."""

    engagement_id: str
    today: date
    """Whose today decides what is overdue."""
    status: Status | None = None
    overdue: bool = False
    with_exceptions: bool = False
    search: str = ""
    """Part of the letter number or of the responder's name (case-insensitive)."""
    offset: int = 0
    limit: int = 50


@dataclass(frozen=True)
class LetterRow:
    id: str
    letter_number: str
    letter_type: LetterType
    responder: str
    status: Status
    reply_due: date | None
    exception_count: int


@dataclass(frozen=True)
class LetterTablePage:
    rows: list[LetterRow]
    total: int
    """How many letters pass the filters."""
    overdue: int
    """How many of the engagement's letters are overdue, whatever the filters."""


@dataclass(frozen=True)
class ResponderQuery:
    q: str | None = None  # part of the name, the 统一社会信用代码 or the bank code
    kind: OrgKind | None = None
    status: ResponderStatus | None = None
    limit: int = 50
