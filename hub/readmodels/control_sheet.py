"""The control sheet (函证控制表) as rows: a pure function of an engagement's recorded facts."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from hub.domain.labels import CHANNEL, LETTER_TYPE, MODE, STATUS, zh
from hub.domain.model import Mode, Status
from hub.domain.procedures import AlternativeProcedure
from hub.domain.replies import ReplyException, ReplyStatus
from hub.services.sheet_facts import LetterFacts, SheetFacts

BEIJING = timezone(timedelta(hours=8))
TITLE = "函证控制表"
COLUMNS: tuple[str, ...] = (
    "序号", "函证编号", "函证类型", "被询证者", "发函渠道", "发函日期", "送达日期", "催函",
    "回函日期", "回函截止日", "回函结果", "差异", "替代程序", "状态",
)
NO_DIFFERENCE_REPORTED = "no_difference_reported"
"""How the portal records a negative letter left unanswered by its deadline (未回函视为无异议)."""

ITEMS = {
    "deposits": "银行存款", "loans": "银行借款", "closed_accounts": "注销账户",
    "entrusted_loans_as_principal": "委托贷款（委托人）",
    "entrusted_loans_as_borrower": "委托贷款（借款人）", "guarantees": "担保",
    "acceptance_bills": "银行承兑汇票", "discounted_bills": "已贴现商业汇票",
    "collection_bills": "托收商业汇票", "letters_of_credit": "信用证",
    "fx_contracts": "外汇买卖合约", "custody_securities": "托管证券",
    "wealth_products": "理财产品", "other": "其他", "cash_pool": "资金池",
    "contributions": "出资", "owed_by_you": "贵公司欠", "owed_to_you": "欠贵公司",
}
_NOT_SENT = frozenset({Status.DRAFT, Status.AWAITING_AUTHORISATION, Status.AUTHORISED,
                       Status.LETTER_READY})
_ANSWERED = frozenset({Status.VERIFIED, Status.WORKPAPER_DELIVERED})


class Result(enum.StrEnum):
    """What became of a letter, as the 回函结果 column says it."""

    MATCHED = "matched"  # 相符
    EXCEPTIONS = "exceptions"  # 不符 n 项
    NO_DIFFERENCE_REPORTED = "no_difference_reported"  # 消极式未回函视为无异议
    CHECKING = "checking"  # a reply came and is being checked
    RETURNED = "returned"  # 退函
    AWAITING = "awaiting"  # 未回函
    OVERDUE = "overdue"  # 逾期
    NOT_SENT = "not_sent"
    CANCELLED = "cancelled"
    FAILED = "failed"


@dataclass(frozen=True)
class SheetRow:
    """One letter; every cell as the sheet shows it (dates ISO, amounts exact)."""

    number: int
    letter_number: str
    letter_type: str
    responder: str
    channel: str
    dispatched: str
    delivered: str
    second_requests: str
    replied: str
    reply_due: str
    result: str
    exceptions: str
    procedures: str
    status: str
    kind: Result
    confirmation_id: str

    @property
    def cancelled(self) -> bool:
        return self.kind is Result.CANCELLED

    def cells(self) -> tuple[int | str, ...]:
        """The cells in the order of COLUMNS."""
        return (self.number, self.letter_number, self.letter_type, self.responder,
                self.channel, self.dispatched, self.delivered, self.second_requests,
                self.replied, self.reply_due, self.result, self.exceptions, self.procedures,
                self.status)


@dataclass(frozen=True)
class Totals:
    letters: int
    sent: int
    replied: int
    matched: int
    with_exceptions: int
    overdue: int
    returned: int
    no_difference_reported: int

    def pairs(self) -> list[tuple[str, int]]:
        return [("函证总数", self.letters), ("已发函", self.sent), ("已回函", self.replied),
                ("相符", self.matched), ("不符", self.with_exceptions),
                ("逾期未回函", self.overdue), ("退函", self.returned),
                ("消极式视为无异议", self.no_difference_reported)]


@dataclass(frozen=True)
class ControlSheet:
    firm: str
    engagement: str
    reference: str
    client: str
    client_uscc: str
    period: str
    generated_at: datetime
    today: date
    rows: list[SheetRow]
    totals: Totals

    def header(self) -> list[tuple[str, str]]:
        """The header block as (label, value) pairs (the totals are `totals`)."""
        generated = self.generated_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")
        return [
            ("会计师事务所", self.firm),
            ("审计项目", self.engagement),
            ("项目编号", self.reference),
            ("被审计单位", f"{self.client}（{self.client_uscc}）" if self.client_uscc
             else self.client),
            ("审计期间", self.period),
            ("生成时间", f"{generated}（北京时间）"),
        ]

    def totals_line(self) -> str:
        return "，".join(f"{label} {n}" for label, n in self.totals.pairs())


def assemble(facts: SheetFacts, *, today: date, generated_at: datetime) -> ControlSheet:
    """The sheet of an engagement: one row per letter in the order they were submitted;
    `today` (China Standard Time) decides which replies are overdue."""
    rows = [_row(n, letter, today) for n, letter in enumerate(facts.letters, start=1)]
    kinds = [r.kind for r in rows]
    e = facts.engagement
    return ControlSheet(
        firm=facts.firm_name, engagement=e.name, reference=e.reference or "",
        client=facts.client_name, client_uscc=facts.client_uscc,
        period=f"{e.period_start.isoformat()} 至 {e.period_end.isoformat()}",
        generated_at=generated_at, today=today, rows=rows,
        totals=Totals(
            letters=len(rows),
            sent=sum(1 for f in facts.letters if f.confirmation.dispatched_at is not None),
            replied=kinds.count(Result.MATCHED) + kinds.count(Result.EXCEPTIONS)
            + kinds.count(Result.CHECKING),
            matched=kinds.count(Result.MATCHED),
            with_exceptions=kinds.count(Result.EXCEPTIONS),
            overdue=kinds.count(Result.OVERDUE),
            returned=kinds.count(Result.RETURNED),
            no_difference_reported=kinds.count(Result.NO_DIFFERENCE_REPORTED)))


def _row(number: int, f: LetterFacts, today: date) -> SheetRow:
    c = f.confirmation
    kind, result = _result(f, today)
    second = [e.at for e in f.history if e.event_type == "letter.second_request"]
    accepted = [r for r in f.replies if r.status is ReplyStatus.ACCEPTED]
    return SheetRow(
        number=number, letter_number=c.letter_number,
        letter_type=f"{zh(LETTER_TYPE, c.letter_type)}"
                    f"{zh(MODE, c.mode) if not c.letter_type.is_bank else ''}",
        responder=f.responder_name, channel=_channel(f),
        dispatched=_day(c.dispatched_at), delivered=_day(c.delivered_at),
        second_requests=f"{len(second)} 次：{'、'.join(_day(at) for at in second)}"
        if second else "",
        replied=_day(accepted[-1].received_at) if accepted else "",
        reply_due=c.reply_due.isoformat() if c.reply_due else "",
        result=result, exceptions=exceptions_text(f.exceptions),
        procedures=procedures_text(f.procedures),
        status=zh(STATUS, c.status), kind=kind, confirmation_id=c.id)


def _result(f: LetterFacts, today: date) -> tuple[Result, str]:
    c = f.confirmation
    s = c.status
    if _no_difference_reported(f):
        return Result.NO_DIFFERENCE_REPORTED, "消极式未回函视为无异议"
    if s is Status.CANCELLED:
        return Result.CANCELLED, "已撤销，未发函"
    if s is Status.EXPIRED:
        return Result.NOT_SENT, "被审计单位未在期限内授权，未发函"
    if s is Status.FAILED:
        return Result.FAILED, f"发函失败：{c.status_reason}" if c.status_reason else "发函失败"
    if s in _NOT_SENT:
        return Result.NOT_SENT, "未发函"
    if s is Status.RETURNED:
        return Result.RETURNED, f"退函：{c.status_reason}" if c.status_reason else "退函"
    if s is Status.REPLIED:
        return Result.CHECKING, "已回函，核对中"
    if s in _ANSWERED:
        count = c.exception_count if c.exception_count is not None else len(f.exceptions)
        return (Result.EXCEPTIONS, f"不符 {count} 项") if count else (Result.MATCHED, "相符")
    rejected = sum(1 for r in f.replies if r.status is ReplyStatus.REJECTED)
    note = f"（{rejected} 份回函未通过核验）" if rejected else ""
    if c.overdue(today):
        return Result.OVERDUE, "逾期" + note
    return Result.AWAITING, "未回函" + note


def _no_difference_reported(f: LetterFacts) -> bool:
    """A negative letter the portal closed as 未回函视为无异议 (by reply data or history)."""
    c = f.confirmation
    if c.mode is not Mode.NEGATIVE:
        return False
    if any((r.data or {}).get("conclusion") == NO_DIFFERENCE_REPORTED for r in f.replies
           if r.status is not ReplyStatus.REJECTED):
        return True
    marks = [e.event_type for e in f.history]
    marks += [str(e.data.get("reason") or "") for e in f.history]
    marks.append(c.status_reason or "")
    return any(NO_DIFFERENCE_REPORTED in m or "视为无异议" in m for m in marks)


def _channel(f: LetterFacts) -> str:
    used = [e.data.get("channel") for e in f.history if e.event_type == "letter.dispatched"]
    channel = str(used[-1]) if used and used[-1] else f.registered_channel
    if channel is None:
        return ""
    return zh(CHANNEL, channel)


def _day(at: datetime | None) -> str:
    """An instant as the ISO date it was in Beijing (stored instants are UTC)."""
    if at is None:
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(BEIJING).date().isoformat()


def money_text(value: Any) -> str:
    """A figure exactly as given, with thousand separators when it is a number."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, Decimal | int | str):
        try:
            number = Decimal(str(value).replace(",", ""))
        except InvalidOperation:
            return str(value)
        if number.is_finite():
            return f"{number:,}"
    return str(value)


def _as_given(amount: Decimal, *given: Any) -> Decimal:
    """`amount` with as many decimal places as the figures it was computed from (the database
    may keep more: NUMERIC(24, 6))."""
    places = max((len(str(g).partition(".")[2]) for g in given if isinstance(g, str)),
                 default=2)
    return amount.quantize(Decimal(1).scaleb(-places))


def _item_name(item: str) -> str:
    key = item.split("/")[0]
    return ITEMS["guarantees"] if key.startswith("guarantees") else ITEMS.get(key, item)


def _exception_text(e: ReplyException) -> str:
    item = _item_name(e.item)
    where = item + (f" 第{e.row + 1}行" if e.row is not None else "")
    if e.kind == "value":
        text = (f"{where}{' ' + e.field if e.field else ''}：账面 {money_text(e.book_value)}，"
                f"回函 {money_text(e.confirmed_value)}")
        if e.difference is not None:
            text += f"，差额 {money_text(_as_given(e.difference, e.book_value, e.confirmed_value))}"
        return text + (f"（{e.explanation}）" if e.explanation else "")
    if e.kind == "not_at_bank":
        return f"{where}：回函未列示" + (f"（{e.explanation}）" if e.explanation else "")
    if e.kind == "not_in_letter":
        return f"{item}：回函列示而账面未列示" + (f"（{e.explanation}）" if e.explanation else "")
    return f"{where}：{e.explanation or e.kind}"


def exceptions_text(found: Sequence[ReplyException]) -> str:
    """The exceptions, one numbered line each."""
    return _numbered(_exception_text(e) for e in found)


def procedures_text(notes: Sequence[AlternativeProcedure]) -> str:
    """The notes, one numbered line each: the date, the text, the conclusion and who."""
    return _numbered(
        f"{_day(p.noted_at)} {p.text}" + (f"；结论：{p.conclusion}" if p.conclusion else "")
        + f"（{p.noted_by}）" for p in notes)


def _numbered(lines: Iterable[str]) -> str:
    items = list(lines)
    if len(items) == 1:
        return items[0]
    return "\n".join(f"{n}. {text}" for n, text in enumerate(items, start=1))

