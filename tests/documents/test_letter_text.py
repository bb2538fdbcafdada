"""What a bank clerk reads on each rendered letter: amounts with thousands separators, where
the bank's part of 格式二 starts, item 11's preset 类别 rows, the 骑缝章 place on every page of a
printed multi-page letter, and the rows of a company's portal reply."""

from __future__ import annotations

import re
from typing import Any

import pytest

from hub.documents import LETTER_TYPES, render_letter_document, render_portal_reply
from tests.documents import letters
from tests.documents.conftest import CLIENT, CREATED, page_count, squash

# An amount of four or more integer digits printed without separators (8625413.27).
BARE_AMOUNT = re.compile(r"(?<![\d,.])\d{4,}\.\d{2}(?!\d)")
BANK_PART = "以下由被询证银行填列"
CROSS_SEAL = "骑缝章"
HINT = "（纸质函证多于一页的，请在各页右侧“骑缝章”处加盖骑缝章）"  # by the company's seal
# The right margin beside the text (which ends 34 pt from the page's edge, at 561.3 pt), and
# the page up to there, as pdftotext crops them (it keeps a character that touches the area).
MARGIN = ("-x", "564", "-y", "0", "-W", "31", "-H", "842")
BODY = ("-x", "0", "-y", "0", "-W", "562", "-H", "842")


def _pdf(letter_type: str, letter: dict[str, Any] | None = None) -> bytes:
    letter = letters.valid(letter_type, letter or letters.example(letter_type))
    return render_letter_document(letter_type, letter, client_name=CLIENT,
                                  created_at=CREATED).pdf


@pytest.mark.parametrize("letter_type", LETTER_TYPES)
def test_every_amount_has_thousands_separators_as_in_the_text(letter_type, pdf_text):
    letter = letters.example(letter_type)
    text = pdf_text(_pdf(letter_type, letter))
    assert not BARE_AMOUNT.findall(text), BARE_AMOUNT.findall(text)
    words = text.split()
    for pointer, amount in letters.amounts(letter_type, letter):
        if letter_type == "bank_format2":
            continue  # its book values are never printed
        assert letters.printed(amount) in words, f"{pointer} = {amount}"
    if letter_type == "company_receivable":  # the 其他事项 text writes amounts the same way
        assert "300,000.00" in squash(text)
        assert "300,000.00" in letter["other_matters"]


def test_format2_bank_part_starts_above_item_1_after_the_company_seal(pdf_text):
    flat = squash(pdf_text(_pdf("bank_format2")))
    assert flat.count(BANK_PART) == 1
    seal, part = flat.index("（预留签章/采用电子授权）"), flat.index(BANK_PART)
    item1 = flat.index(letters.BANK_HEADINGS["deposits"])
    assert seal < part < item1, "以下由被询证银行填列 is not between the seal and item 1"
    assert flat.index("结论：") > flat.index(letters.CASH_POOL_HEADING) > item1


@pytest.mark.parametrize("letter_type", ["bank_format1", "bank_capital"])
def test_format1_and_capital_keep_the_bank_part_above_the_conclusion(letter_type, pdf_text):
    flat = squash(pdf_text(_pdf(letter_type)))
    assert flat.count(BANK_PART) == 1
    part = flat.index(BANK_PART)
    assert flat[part + len(BANK_PART):].startswith("结论：")
    assert part > flat.index("（预留签章/采用电子授权）" if letter_type == "bank_format1"
                             else "（公司盖章）")
    if letter_type == "bank_format1":
        assert part > flat.index(letters.CASH_POOL_HEADING)


def _item_11(raw: str) -> str:
    """Item 11's heading and table, as `pdftotext -raw` reads them (up to item 12)."""
    start = raw.index(letters.BANK_HEADINGS["fx_contracts"])
    return raw[start:raw.index(letters.BANK_HEADINGS["custody_securities"], start)]


@pytest.mark.parametrize(("letter_type", "letter", "expected"), [
    ("bank_format1", letters.example("bank_format1"),
     ["贵行卖予本公司无", "本公司卖予贵行FX-JH-20251020-0056CNYUSDUSD500,000.007.08252026-04-20"]),
    ("bank_format1", letters.all_nil(), ["贵行卖予本公司无", "本公司卖予贵行无"]),
    ("bank_format1", letters.nothing_applicable(),
     ["（本项不询证）", "贵行卖予本公司", "本公司卖予贵行"]),
    ("bank_format2", letters.with_item("bank_format2", "fx_contracts", {"applicable": True}),
     ["（请贵行填列）", "贵行卖予本公司", "本公司卖予贵行"]),
], ids=["rows", "nil", "not_confirmed", "format2"])
def test_item_11_prints_the_two_preset_category_rows(letter_type, letter, expected, pdf_text):
    item = _item_11(squash(pdf_text(_pdf(letter_type, letter), None, "-raw")))
    at = -1
    for part in expected:  # in this order
        assert part in item[at + 1:], (part, item)
        at = item.index(part, at + 1)
    assert item.index("贵行卖予本公司") < item.index("本公司卖予贵行")


@pytest.mark.parametrize("letter_type", LETTER_TYPES)
def test_each_page_of_a_multi_page_letter_has_the_cross_seal_place(letter_type, pdf_text):
    letter = letters.example(letter_type)
    if letter_type == "company_payable":  # one page: made longer, then also short
        short = _pdf(letter_type, letter)
        assert page_count(short) == 1 and CROSS_SEAL not in squash(pdf_text(short))
        letter = {**letter, "other_matters": "\n".join(["本期另有一笔预付款项待核对。"] * 60)}
    pdf = _pdf(letter_type, letter)
    total = page_count(pdf)
    assert total > 1
    for n in range(1, total + 1):
        margin = squash(pdf_text(pdf, n, *MARGIN))
        assert margin == CROSS_SEAL, f"page {n}: the right margin reads {margin!r}"
        body = squash(pdf_text(pdf, n, *BODY))
        assert CROSS_SEAL not in body.replace(HINT, ""), f"page {n}: overlaps the text"
        assert f"函证编号：{letter['letter_number']}" in body, f"page {n}"
        assert f"第{n}页/共{total}页" in body, f"page {n}"


def _portal_record(conclusion: str, lines: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "kind": "reply", "letter_type": "company_receivable", "mode": "positive",
        "letter_number": "DEMO-0001-04", "letter_sha256": "ab" * 32,
        "as_of_date": "2025-12-31", "responder_name": "杭州示例贸易有限公司",
        "responder_uscc": "91330100MA2CP0DEM3", "client_name": CLIENT,
        "firm_name": "明诚会计师事务所（特殊普通合伙）", "conclusion": conclusion,
        "explanation": "", "attachments": [], "lines": lines,
        "responder": {"name": "函证联系人", "email": "confirm@example.com"},
        "verification": {"email": "confirm@example.com",
                         "code_sent_at": "2026-01-05T01:00:00+00:00",
                         "verified_at": "2026-01-05T01:01:00+00:00"},
        "replied_at": "2026-01-05T01:02:00+00:00", "ip": "127.0.0.1", "data_sha256": "cd" * 32,
    }


def _figure(book: str | None, confirmed: str | None = None, difference: str | None = None
            ) -> dict[str, Any]:
    return {"book": book, "confirmed": confirmed, "difference": difference}


def test_an_agreed_company_reply_shows_each_line_once_with_its_amounts_and_matched(pdf_text):
    lines = [{"row": 0, "currency": "CNY", "owed_by_you": _figure("1865320.00"),
              "owed_to_you": _figure(None)},
             {"row": 1, "currency": "CNY", "owed_by_you": _figure("48000.00"),
              "owed_to_you": _figure("12500.00")}]
    pdf = render_portal_reply(_portal_record("agreed", lines), created_at=CREATED)
    raw = squash(pdf_text(pdf, None, "-raw"))
    assert "行次币种贵公司欠欠贵公司核对结果" in raw
    assert "1CNY1,865,320.00—相符" in raw
    assert "2CNY48,000.0012,500.00相符" in raw
    assert raw.count("相符2CNY") == 1  # line 2 once, not once per figure
    assert "本公司记录差额" not in raw and "—差额" not in raw


def test_a_differing_company_reply_prints_a_lines_number_once(pdf_text):
    lines = [{"row": 0, "currency": "CNY", "owed_by_you": _figure("1865320.00", "1865320.00"),
              "owed_to_you": _figure(None)},
             {"row": 1, "currency": "CNY",
              "owed_by_you": _figure("48000.00", "47000.00", "-1000.00"),
              "owed_to_you": _figure("12500.00", "12000.00", "-500.00")}]
    pdf = render_portal_reply(_portal_record("differences", lines), created_at=CREATED)
    raw = squash(pdf_text(pdf, None, "-raw"))
    assert "行次项目币种询证函金额本公司记录差额" in raw
    assert "2贵公司欠CNY48,000.0047,000.00-1,000.00欠贵公司CNY12,500.0012,000.00-500.00" in raw
    assert "1,865,320.00" not in raw  # the matching line is not a difference

