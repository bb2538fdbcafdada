"""What the pages show: Chinese labels, overdue, filters and search, the signature report."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from hub.domain.labels import DELIVERY, LETTER_TYPE, STATUS, event_label_both, zh
from hub.domain.model import Confirmation, Status, reply_overdue
from hub.domain.replies import CHECKS, Reply, ReplyStatus
from hub.domain.text import is_ascii_digits
from hub.ports import LetterTablePage, LetterTableQuery

STATUS_LABELS: dict[str, str] = {status.value: label.zh for status, label in STATUS.items()}
"""The status filter's choices, in the order of the state machine."""


CHINA = timedelta(hours=8)


def event_label(event_type: str) -> str:
    return event_label_both(event_type)


def status_label(status: str) -> str:
    return zh(STATUS, status)


def delivery_label(c: Confirmation) -> str | None:
    """投递中 / 待投递 for a dispatched letter its channel has not taken yet, else None."""
    waiting = c.delivery_waiting
    return DELIVERY[waiting].both() if waiting is not None else None


def letter_type_label(letter_type: str) -> str:
    return zh(LETTER_TYPE, letter_type)


def fmt_dt(value: datetime | date | None) -> str:
    """Beijing time to the minute; dates as they are."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (value + CHINA).strftime("%Y-%m-%d %H:%M") if value.tzinfo else str(value)
    return value.isoformat()


def responder_name(c: Confirmation) -> str:
    return str(c.letter.get("responder", {}).get("name", ""))


@dataclass(frozen=True)
class Filters:
    """The confirmations table's filters, read from the query string (bad values ignored)."""

    status: str = ""
    overdue: bool = False
    exceptions: bool = False
    q: str = ""
    page: int = 1

    @classmethod
    def from_query(cls, query: Any) -> Filters:
        status = query.get("status", "")
        raw_page = query.get("page", "1")
        return cls(
            status=status if status in STATUS_LABELS else "",
            overdue=query.get("overdue") == "1",
            exceptions=query.get("exceptions") == "1",
            q=query.get("q", "").strip()[:100],
            page=int(raw_page) if is_ascii_digits(raw_page) and len(raw_page) < 7 else 1,
        )

    def letters(self, engagement_id: str, today: date, page: int, size: int
                ) -> LetterTableQuery:
        """What to ask the database for: page `page` (from 1) of `size` letters."""
        return LetterTableQuery(
            engagement_id=engagement_id, today=today,
            status=Status(self.status) if self.status else None, overdue=self.overdue,
            with_exceptions=self.exceptions, search=self.q,
            offset=(page - 1) * size, limit=size)

    def query(self, page: int) -> dict[str, str]:
        """The query string of another page with the same filters."""
        out = {"page": str(page)}
        if self.status:
            out["status"] = self.status
        if self.overdue:
            out["overdue"] = "1"
        if self.exceptions:
            out["exceptions"] = "1"
        if self.q:
            out["q"] = self.q
        return out


@dataclass(frozen=True)
class Row:
    id: str
    letter_number: str
    letter_type: str
    responder: str
    status: str
    reply_due: date | None
    overdue: bool
    exceptions: int


@dataclass(frozen=True)
class Table:
    rows: list[Row]
    total: int
    page: int
    pages: int


def table(found: LetterTablePage, page: int, size: int, today: date) -> Table:
    """The table of one page the database gave (overdue letters first, then by number)."""
    rows = [Row(id=r.id, letter_number=r.letter_number, letter_type=r.letter_type.value,
                responder=r.responder, status=r.status.value, reply_due=r.reply_due,
                overdue=reply_overdue(r.status, r.reply_due, today),
                exceptions=r.exception_count)
            for r in found.rows]
    return Table(rows=rows, total=found.total, page=page, pages=pages_of(found.total, size))


def pages_of(total: int, size: int) -> int:
    return max(1, math.ceil(total / size))


@dataclass(frozen=True)
class SignatureReport:
    """One reply's signature check as the workpaper reports it."""

    received_at: datetime
    status: str
    signer: str
    signer_sha256: str
    valid: bool | None
    registered: bool | None
    bound: bool | None
    reason: str


_BINDING_PROBLEMS = ("answers letter", "answers another letter", "names another letter",
                     "not the data", "reply data", "is for a")


def signature_report(r: Reply) -> SignatureReport:
    """Which of the reply's checks held, as recorded when it was checked; for a reply checked
    before they were recorded: accepted means all held, a rejection's reason says which failed
    (the checker's wording in hub.services.exchange); not checked yet: unknown (None)."""
    reason = r.reason or ""
    if r.checks is not None:
        valid, registered, bound = (r.checks.get(k) for k in CHECKS)
    elif r.status is ReplyStatus.RECEIVED:
        valid = registered = bound = None
    elif r.status is ReplyStatus.ACCEPTED:
        valid = registered = bound = True
    else:
        parts = [p for p in reason.split("; ") if p]
        unregistered = [p for p in parts if "签名证书未登记" in p]
        unbound = [p for p in parts if p not in unregistered and any(
            s in p for s in _BINDING_PROBLEMS)]
        registered = not unregistered
        bound = not unbound
        valid = r.signer_sha256 is not None and len(parts) == len(unregistered) + len(unbound)
    return SignatureReport(received_at=r.received_at, status=r.status.value,
                           signer=r.signer or "", signer_sha256=r.signer_sha256 or "",
                           valid=valid, registered=registered, bound=bound, reason=reason)


def downloads(c: Confirmation, replies: list[Reply]) -> list[tuple[str, str]]:
    """(label, file name) of what can be downloaded now."""
    out = []
    if c.letter_sha256:
        out.append(("询证函 / Letter (PDF)", "letter.pdf"))
    if replies:
        out.append(("回函 / Reply (PDF)", "reply.pdf"))
    if c.status in (Status.VERIFIED, Status.WORKPAPER_DELIVERED):
        out.append(("回函底稿 / Workpaper (PDF)", "workpaper.pdf"))
        out.append(("证据包 / Evidence bundle (ZIP)", "evidence.zip"))
    return out
