"""The company reply portal: one-time links, verification codes, and what a company answers."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from hub.domain.errors import HubError, ValidationFailed
from hub.domain.model import Confirmation, LetterType, Mode, Status
from hub.domain.replies import ReplyException

MAX_WRONG_CODES = 5
"""Wrong verification codes before the link locks for good (the firm sees it)."""
MAX_CODE_SENDS = 5
"""Verification codes one link may have sent."""
CODE_MINUTES = 10
"""How long a verification code is good for."""
SESSION_HOURS = 2
"""How long a verified session lasts."""

AGREED = "agreed"  # 信息证明无误
DIFFERENCES = "differences"  # 信息不符
NO_DIFFERENCE_REPORTED = "no_difference_reported"  # 未回函视为无异议 (negative letters only)
NO_DIFFERENCE_REASON = "未回函视为无异议 / no_difference_reported: a negative letter got no " \
                       "answer by its reply deadline"

FIGURES = ("owed_by_you", "owed_to_you")
FIGURE_LABELS = {"owed_by_you": "贵公司欠", "owed_to_you": "欠贵公司"}
MAX_EXPLANATION = 2000
_AMOUNT = re.compile(r"^-?[0-9]{1,16}(\.[0-9]{1,2})?$")


class LinkStatus(enum.StrEnum):
    ACTIVE = "active"
    USED = "used"  # the company replied (through this link or another of the letter)
    LOCKED = "locked"  # too many wrong codes


class LinkUnusable(HubError):
    """A portal link that shows nothing of its letter: unknown, used, expired, locked, or a
    session that is not verified. `why` says which, for the neutral page and the log."""

    code = "link_unusable"

    def __init__(self, why: str) -> None:
        super().__init__(f"the portal link is {why}")
        self.why = why


@dataclass
class PortalLink:
    """One link e-mailed to the registered contact; only the token's hash is kept."""

    id: str
    confirmation_id: str
    message_id: str
    token_hash: str
    contact_name: str
    email: str
    created_at: datetime
    expires_at: datetime
    status: LinkStatus = LinkStatus.ACTIVE
    code_hash: str | None = None
    code_sent_at: datetime | None = None
    code_expires_at: datetime | None = None
    code_sends: int = 0
    wrong_codes: int = 0
    verified_at: datetime | None = None
    session_hash: str | None = None
    session_expires_at: datetime | None = None
    used_at: datetime | None = None
    reply_id: str | None = None

    def refusal(self, c: Confirmation | None, now: datetime) -> str | None:
        """Why the link opens nothing now (None when it may be used)."""
        if self.status is LinkStatus.LOCKED:
            return "locked"
        if self.status is LinkStatus.USED or (c is not None and c.status in (
                Status.REPLIED, Status.VERIFIED, Status.WORKPAPER_DELIVERED)):
            return "used"
        if now >= self.expires_at:
            return "expired"
        if c is None or c.status is not Status.DELIVERED:
            return "closed"
        return None

    def require_usable(self, c: Confirmation | None, now: datetime) -> None:
        why = self.refusal(c, now)
        if why is not None:
            raise LinkUnusable(why)

    def code_issued(self, code_hash: str, now: datetime) -> None:
        """A new verification code replaces the one before it."""
        if self.code_sends >= MAX_CODE_SENDS:
            raise ValidationFailed(f"验证码发送次数已达上限（{MAX_CODE_SENDS} 次） / no more "
                                   "codes for this link", field="code")
        self.code_hash = code_hash
        self.code_sent_at = now
        self.code_expires_at = now + timedelta(minutes=CODE_MINUTES)
        self.code_sends += 1

    def try_code(self, code_hash: str, now: datetime) -> bool:
        """Whether `code_hash` is the current code's; a wrong one counts, and the last allowed
        wrong one locks the link."""
        good = (self.code_hash is not None and self.code_expires_at is not None
                and now < self.code_expires_at and _equal(code_hash, self.code_hash))
        if good:
            self.code_hash = None  # single use
            return True
        self.wrong_codes += 1
        if self.wrong_codes >= MAX_WRONG_CODES:
            self.status = LinkStatus.LOCKED
            self.code_hash = None
        return False

    def verified(self, session_hash: str, now: datetime) -> None:
        self.verified_at = now
        self.session_hash = session_hash
        self.session_expires_at = now + timedelta(hours=SESSION_HOURS)

    def has_session(self, session_hash: str | None, now: datetime) -> bool:
        return (session_hash is not None and self.session_hash is not None
                and self.session_expires_at is not None and now < self.session_expires_at
                and _equal(session_hash, self.session_hash))

    def used(self, reply_id: str, now: datetime) -> None:
        self.status = LinkStatus.USED
        self.used_at = now
        self.reply_id = reply_id
        self.session_hash = None


def _equal(a: str, b: str) -> bool:
    import hmac

    return hmac.compare_digest(a.encode(), b.encode())


def is_company_letter(c: Confirmation) -> bool:
    return c.letter_type in (LetterType.COMPANY_RECEIVABLE, LetterType.COMPANY_PAYABLE)


def masked_email(email: str) -> str:
    """z***@example.com: enough for the contact to recognise, too little to harvest."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def parse_amount(raw: str, field: str) -> str:
    """A typed amount as a plain decimal string ("1,865,000.5" → "1865000.50")."""
    text = raw.strip().replace(",", "").replace("，", "").replace(" ", "")
    if not _AMOUNT.match(text):
        raise ValidationFailed(f"“{raw}”不是有效金额（如 1865320.00） / not an amount",
                               field=field)
    try:
        return str(Decimal(text).quantize(Decimal("0.01")))
    except InvalidOperation as e:  # pragma: no cover - the pattern admits only decimals
        raise ValidationFailed(f"“{raw}”不是有效金额", field=field) from e


def letter_rows(letter: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    rows = letter.get("rows", [])
    return [r for r in rows if isinstance(r, Mapping)] if isinstance(rows, list) else []


def company_differences(letter: Mapping[str, Any], typed: Sequence[Mapping[str, Any]]
                        ) -> list[ReplyException]:
    """Every figure the company typed that is not the letter's: line, field, book value,
    confirmed value and the difference (confirmed minus book)."""
    out = []
    for index, book_row in enumerate(letter_rows(letter)):
        given = typed[index] if index < len(typed) else {}
        for name in FIGURES:
            book, confirmed = book_row.get(name), given.get(name)
            if book is None and confirmed is None:
                continue
            b = Decimal(str(book)) if book is not None else None
            v = Decimal(str(confirmed)) if confirmed is not None else None
            if b is not None and v is not None and b == v:
                continue
            # amounts quoted as the letters print them (8,625,413.27)
            shown_book = f"{b:,.2f}" if b is not None else "未列示"
            shown_confirmed = f"{v:,.2f}" if v is not None else "未列示"
            out.append(ReplyException(
                item="rows", row=index, field=name, kind="value", book_value=book,
                confirmed_value=confirmed,
                difference=(v - b) if b is not None and v is not None else None,
                explanation=f"第 {index + 1} 行{FIGURE_LABELS[name]}不符：询证函为 "
                            f"{shown_book}，贵公司记录为 {shown_confirmed}"))
    return out


def typed_rows(letter: Mapping[str, Any], form: Mapping[str, str]) -> list[dict[str, Any]]:
    """The figures the company typed, per letter line (`row-<i>-<field>` form fields): a
    figure the letter states must be typed; one it does not state may be left empty."""
    out: list[dict[str, Any]] = []
    for index, book_row in enumerate(letter_rows(letter)):
        row: dict[str, Any] = {"row": index, "currency": book_row.get("currency")}
        for name in FIGURES:
            key = f"row-{index}-{name}"
            raw = str(form.get(key, "")).strip()
            if not raw:
                if book_row.get(name) is not None:
                    raise ValidationFailed(f"第 {index + 1} 行“{FIGURE_LABELS[name]}”请填写贵公司"
                                           "记录的金额 / enter your figure", field=key)
                continue
            row[name] = parse_amount(raw, key)
        out.append(row)
    return out


def figures_contradict(letter: Mapping[str, Any], form: Mapping[str, str]) -> bool:
    """Whether figures typed with a 信息证明无误 answer differ from the letter's (the
    answer would then say two things)."""
    for index, book_row in enumerate(letter_rows(letter)):
        for name in FIGURES:
            raw = str(form.get(f"row-{index}-{name}", "")).strip()
            if not raw:
                continue
            typed = Decimal(parse_amount(raw, f"row-{index}-{name}"))
            book = book_row.get(name)
            if book is None or Decimal(str(book)) != typed:
                return True
    return False


def conclude_without_reply(c: Confirmation, *, at: datetime, actor: str) -> None:
    """A negative letter unanswered by its deadline: no difference reported (not a reply
    that confirms), and the confirmation is complete."""
    if c.mode is not Mode.NEGATIVE or not is_company_letter(c):
        raise ValidationFailed("only a negative company letter is concluded without a reply",
                               field="mode")
    c.move_to(Status.REPLIED, at=at, actor=actor, reason=NO_DIFFERENCE_REASON)
    c.move_to(Status.VERIFIED, at=at, actor=actor, reason=NO_DIFFERENCE_REASON)
    c.exception_count = 0


MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
_MAGIC = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"),
          (b"\xff\xd8\xff", "image/jpeg"))
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")


def attachment_type(name: str, data: bytes, field: str) -> str:
    """The media type of a supporting file by its first bytes (PDF, PNG or JPEG, at most
    5 MB); whatever its name or the browser claims, anything else is refused."""
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ValidationFailed(f"附件“{name}”超过 5 MB / the file exceeds 5 MB", field=field)
    if not data:
        raise ValidationFailed(f"附件“{name}”是空文件 / the file is empty", field=field)
    for magic, media_type in _MAGIC:
        if data.startswith(magic):
            return media_type
    raise ValidationFailed(f"附件“{name}”不是 PDF、JPEG 或 PNG 文件 / only PDF, JPEG or PNG "
                           "files are accepted", field=field)


def attachment_name(raw: str) -> str:
    """A file name fit to print and store: no path, no control characters, not too long."""
    name = _UNSAFE_NAME.sub("_", raw.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip()
    return (name or "附件")[:100]
