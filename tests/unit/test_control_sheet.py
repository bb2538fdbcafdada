"""The control sheet's rows (函证控制表): what each kind of letter shows, and the totals."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from hub.domain.model import Confirmation, Engagement, LetterType, Mode, Status
from hub.domain.procedures import AlternativeProcedure
from hub.domain.replies import Reply, ReplyException, ReplyStatus
from hub.ports import HistoryEntry
from hub.readmodels import COLUMNS, Result, assemble
from hub.readmodels.control_sheet import money_text
from hub.services.sheet_facts import LetterFacts, SheetFacts

TODAY = date(2026, 2, 2)
NOW = datetime(2026, 2, 2, 1, 30, tzinfo=UTC)  # 09:30 in Beijing
# 23:30 UTC on 12 January is already 13 January in Beijing.
DISPATCHED = datetime(2026, 1, 12, 23, 30, tzinfo=UTC)
DELIVERED = datetime(2026, 1, 13, 2, 0, tzinfo=UTC)

ENGAGEMENT = Engagement(
    id="e1", firm_org_id="firm", client_org_id="client", name="2025年度审计",
    period_start=date(2025, 1, 1), period_end=date(2025, 12, 31),
    created_at=datetime(2026, 1, 2, tzinfo=UTC), reference="XD-2025-018")


def letter(number: str, status: Status, *, letter_type: LetterType = LetterType.BANK_FORMAT1,
           mode: Mode = Mode.POSITIVE, **changes: Any) -> Confirmation:
    c = Confirmation(
        id=f"id-{number}", firm_org_id="firm", engagement_id="e1", client_org_id="client",
        responder_org_id="bank", letter_type=letter_type, mode=mode, letter_number=number,
        as_of_date=date(2025, 12, 31),
        letter={"responder": {"name": "京华商业银行", "branch": "北京分行", "uscc": "x"}},
        business_key=number, created_at=datetime(2026, 1, 5, tzinfo=UTC), status=status)
    if status not in (Status.DRAFT, Status.AWAITING_AUTHORISATION, Status.CANCELLED):
        c.dispatched_at = DISPATCHED
    if status in (Status.DELIVERED, Status.RETURNED, Status.REPLIED, Status.VERIFIED):
        c.delivered_at = DELIVERED
        c.reply_due = date(2026, 1, 27)
    return replace(c, **changes)


def event(event_type: str, at: datetime, **data: Any) -> HistoryEntry:
    return HistoryEntry(seq=1, event_type=event_type, at=at, actor="system", data=data,
                        hash=None)


def reply(status: ReplyStatus = ReplyStatus.ACCEPTED, **data: Any) -> Reply:
    return Reply(id="r", confirmation_id="c", sha256="0" * 64,
                 received_at=datetime(2026, 1, 20, 17, 0, tzinfo=UTC), received_by="bank",
                 status=status, data=data or None)


def facts(*letters: LetterFacts) -> SheetFacts:
    return SheetFacts(engagement=ENGAGEMENT, firm_name="信达会计师事务所",
                      client_name="北京堃喆昇科技有限公司", client_uscc="91110105MA01ABCD5X",
                      letters=list(letters))


def row_of(f: LetterFacts) -> dict[str, Any]:
    sheet = assemble(facts(f), today=TODAY, generated_at=NOW)
    return dict(zip(COLUMNS, sheet.rows[0].cells(), strict=True))


DISPATCH = event("letter.dispatched", DISPATCHED, channel="bank_api_pull")


def test_a_matched_reply_reads_as_agreed_with_its_dates_in_beijing_time() -> None:
    c = letter("BC-1", Status.VERIFIED, exception_count=0)
    row = row_of(LetterFacts(c, "京华商业银行（北京分行）", "bank_api_push",
                             history=[DISPATCH], replies=[reply(conclusion="agreed")]))
    assert row == {
        "序号": 1, "函证编号": "BC-1", "函证类型": "银行询证函（格式一）",
        "被询证者": "京华商业银行（北京分行）",
        # the channel it went by, not today's registration
        "发函渠道": "银行接口（银行从函证中心收取）",
        "发函日期": "2026-01-13", "送达日期": "2026-01-13", "催函": "",
        "回函日期": "2026-01-21", "回函截止日": "2026-01-27", "回函结果": "相符", "差异": "",
        "替代程序": "", "状态": "已核验",
    }


def test_exceptions_are_counted_and_summarised_item_field_book_and_confirmed() -> None:
    c = letter("BC-2", Status.VERIFIED, exception_count=2)
    found = [
        ReplyException(item="deposits", row=0, field="balance", kind="value",
                       book_value="8625413.27", confirmed_value="8625400.00",
                       difference=Decimal("-13.27"), explanation="余额不符"),
        ReplyException(item="loans", row=1, field=None, kind="not_at_bank",
                       book_value={"loan_account_number": "L-9"}, confirmed_value=None,
                       difference=None, explanation=""),
    ]
    row = row_of(LetterFacts(c, "京华商业银行", None, replies=[reply()], exceptions=found))
    assert row["回函结果"] == "不符 2 项"
    assert row["差异"] == ("1. 银行存款 第1行 balance：账面 8,625,413.27，回函 8,625,400.00，"
                         "差额 -13.27（余额不符）\n2. 银行借款 第2行：回函未列示")


def test_a_return_shows_the_banks_reason() -> None:
    c = letter("BC-3", Status.RETURNED,
               status_reason="[fee_account_invalid] 扣费账号不是贵公司在本行的账户")
    row = row_of(LetterFacts(c, "京华商业银行", "bank_api_pull"))
    assert row["回函结果"] == "退函：[fee_account_invalid] 扣费账号不是贵公司在本行的账户"
    assert row["状态"] == "已退函" and row["回函日期"] == ""


def test_a_reply_overdue_by_today_with_its_second_requests() -> None:
    c = letter("BC-4", Status.DELIVERED, second_requests=2)
    history = [DISPATCH, event("letter.second_request", datetime(2026, 1, 28, 2, tzinfo=UTC)),
               event("letter.second_request", datetime(2026, 1, 30, 2, tzinfo=UTC))]
    row = row_of(LetterFacts(c, "京华商业银行", "bank_api_pull", history=history))
    assert row["回函结果"] == "逾期"
    assert row["催函"] == "2 次：2026-01-28、2026-01-30"


def test_a_letter_still_within_its_reply_window_is_not_overdue() -> None:
    c = letter("BC-5", Status.DELIVERED, reply_due=TODAY)
    assert row_of(LetterFacts(c, "京华商业银行", "bank_api_pull"))["回函结果"] == "未回函"


def test_a_rejected_reply_does_not_count_as_an_answer() -> None:
    c = letter("BC-6", Status.DELIVERED, reply_due=TODAY)
    row = row_of(LetterFacts(c, "京华商业银行", "bank_api_pull",
                             replies=[reply(ReplyStatus.REJECTED)]))
    assert row["回函结果"] == "未回函（1 份回函未通过核验）" and row["回函日期"] == ""


def test_a_negative_letter_closed_without_reply_is_no_difference_reported() -> None:
    c = letter("AR-1", Status.VERIFIED, letter_type=LetterType.COMPANY_RECEIVABLE,
               mode=Mode.NEGATIVE, exception_count=0)
    f = LetterFacts(c, "北京示例贸易有限公司", "portal",
                    replies=[reply(conclusion="no_difference_reported")])
    row = row_of(f)
    assert row["回函结果"] == "消极式未回函视为无异议"
    assert row["函证类型"] == "企业询证函（应收账款）消极式"
    assert row["发函渠道"] == "被询证单位门户（一次性链接）"
    positive = replace(c, mode=Mode.POSITIVE)  # only a negative letter can be deemed agreed
    assert row_of(replace(f, confirmation=positive))["回函结果"] == "相符"


def test_notes_are_listed_with_date_conclusion_and_who() -> None:
    c = letter("BC-7", Status.DELIVERED)
    notes = [AlternativeProcedure(id="p1", confirmation_id=c.id, text="检查期后银行对账单",
                                  noted_by="auditor:k1",
                                  noted_at=datetime(2026, 2, 1, 20, 0, tzinfo=UTC),
                                  conclusion="余额可以确认"),
             AlternativeProcedure(id="p2", confirmation_id=c.id, text="电话询问客户经理",
                                  noted_by="firm_admin:k2", noted_at=NOW)]
    row = row_of(LetterFacts(c, "京华商业银行", None, procedures=notes))
    assert row["替代程序"] == (
        "1. 2026-02-02 检查期后银行对账单；结论：余额可以确认（auditor:k1）\n"
        "2. 2026-02-02 电话询问客户经理（firm_admin:k2）")


def test_cancelled_letters_stay_on_the_sheet_marked_and_unsent() -> None:
    c = letter("BC-8", Status.CANCELLED, status_reason="改发新函")
    sheet = assemble(facts(LetterFacts(c, "京华商业银行", "bank_api_pull")), today=TODAY,
                     generated_at=NOW)
    row = sheet.rows[0]
    assert row.cancelled and row.kind is Result.CANCELLED
    assert (row.result, row.status, row.dispatched) == ("已撤销，未发函", "已撤销", "")
    assert sheet.totals.sent == 0 and sheet.totals.letters == 1


def test_totals_count_each_kind_and_the_header_names_the_engagement() -> None:
    letters = [
        LetterFacts(letter("A", Status.VERIFIED, exception_count=0), "甲", None),
        LetterFacts(letter("B", Status.WORKPAPER_DELIVERED, exception_count=3), "乙", None),
        LetterFacts(letter("C", Status.DELIVERED), "丙", None),  # overdue
        LetterFacts(letter("D", Status.RETURNED), "丁", None),
        LetterFacts(letter("E", Status.AWAITING_AUTHORISATION), "戊", None),
        LetterFacts(letter("F", Status.REPLIED), "己", None),
    ]
    sheet = assemble(facts(*letters), today=TODAY, generated_at=NOW)
    assert [r.number for r in sheet.rows] == [1, 2, 3, 4, 5, 6]
    assert [r.result for r in sheet.rows] == ["相符", "不符 3 项", "逾期", "退函", "未发函",
                                              "已回函，核对中"]
    t = sheet.totals
    assert (t.letters, t.sent, t.replied, t.matched, t.with_exceptions, t.overdue,
            t.returned) == (6, 5, 3, 1, 1, 1, 1)
    assert dict(sheet.header()) == {
        "会计师事务所": "信达会计师事务所", "审计项目": "2025年度审计",
        "项目编号": "XD-2025-018", "被审计单位": "北京堃喆昇科技有限公司（91110105MA01ABCD5X）",
        "审计期间": "2025-01-01 至 2025-12-31", "生成时间": "2026-02-02 09:30:00（北京时间）"}


@pytest.mark.parametrize(("given", "shown"), [
    ("1234567.89", "1,234,567.89"), ("0.10", "0.10"), (Decimal("-13.270"), "-13.270"),
    ("98765432109876543.21", "98,765,432,109,876,543.21"), ("CNY", "CNY"), (None, ""),
])
def test_amounts_keep_every_digit_they_were_given(given: Any, shown: str) -> None:
    assert money_text(given) == shown
