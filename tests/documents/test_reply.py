"""A bank's reply renders bound to its letter, with the conclusion, differences and seal box."""

from __future__ import annotations

import copy
import hashlib
import re
from typing import Any

import pytest

from hub.documents import (
    RenderError,
    UnknownLetterType,
    UnprintableCharacter,
    render_reply,
    render_reply_document,
)
from tests.documents import letters
from tests.documents.conftest import CLIENT, CREATED, page_count, seal_page_words, squash
from tests.documents.test_fonts import content_streams

AGREED = "1.经本行核对，所函证项目与本行记载信息相符。特此函复。"
DIFFERENT = "2.经本行核对，存在以下不符之处。"
DIFFERENCE_HEADER = "项目行次字段询证函所列本行记录说明"
DIGEST = hashlib.sha256(b"the signed letter MC-2025-BJ-0417").hexdigest()
BANK_LOAN = {"borrower_name": "北京堃喆昇科技有限公司",
             "loan_account_number": "0200004527100099999", "currency": "CNY",
             "balance": "1000000.00", "loan_date": "2025-10-01",
             "maturity_date": "2026-09-30", "interest_rate": "3.00"}
# (difference, the row as `pdftotext -raw` reads it: cell after cell, whitespace removed)
DIFFERENCES: list[tuple[dict[str, Any], str]] = [
    ({"item": "deposits", "row": 0, "field": "balance", "kind": "value",
      "stated": "8625413.27", "confirmed": "8625143.27", "explanation": "本行记录余额不同"},
     "1.银行存款1账户余额8,625,413.278,625,143.27本行记录余额不同"),
    ({"item": "deposits", "row": 1, "field": "in_cash_pool", "kind": "value",
      "stated": False, "confirmed": True, "explanation": "该账户已纳入资金池"},
     "1.银行存款2是否属于资金归集（资金池或其他资金管理）账户否是该账户已纳入资金池"),
    ({"item": "loans", "row": 1, "field": "interest_rate", "kind": "value",
      "stated": "2.95", "confirmed": "3.05", "explanation": "利率已重定价"},
     "2.银行借款2利率2.95%3.05%利率已重定价"),
    ({"item": "guarantees/for_others_to_bank", "row": 0, "field": "guarantee_balance",
      "kind": "value", "stated": "3000000.00", "confirmed": "2500000.00",
      "explanation": "担保已部分解除"},
     "6.担保(1)本公司为其他单位提供的、以贵行为担保受益人的担保1担保余额3,000,000.00"
     "2,500,000.00担保已部分解除"),
    ({"item": "loans", "row": None, "field": None, "kind": "not_in_letter", "stated": None,
      "confirmed": None, "bank_row": BANK_LOAN, "explanation": "询证函未列示该笔借款"},
     "2.银行借款——询证函未列示借款人名称：北京堃喆昇科技有限公司借款账号："
     "0200004527100099999币种：CNY余额：1,000,000.00"),
    ({"item": "closed_accounts", "row": 0, "field": None, "kind": "not_at_bank",
      "stated": None, "confirmed": None, "explanation": "本行无该账户注销记录"},
     "期间内注销的银行存款账户1——本行无此记录本行无该账户注销记录"),
    ({"item": "cash_pool", "row": 0, "field": "balance", "kind": "value",
      "stated": "2000000.00", "confirmed": "-2000000.00", "explanation": "方向相反"},
     "附表资金归集（资金池或其他资金管理）账户具体信息1"
     "截至函证基准日拨入或拨出资金余额（拨出填列正数，拨入填列负数）2,000,000.00-2,000,000.00方向相反"),
]


def reply(letter_type: str, **changes: Any) -> dict[str, Any]:
    """A reply as the reference bank sends it: format 1 agreed, format 2 with the example's
    items as the bank filled them, capital with the example's contributions."""
    answer: dict[str, Any] = {
        "format_version": "v1",
        "letter_number": "MC-2025-BJ-0417",
        "letter_sha256": DIGEST,
        "letter_type": letter_type,
        "as_of_date": "2025-12-31",
        "bank": {"name": "京华商业银行股份有限公司北京分行", "uscc": "91110000MA00BK7Q0G",
                 "bank_code": "313100000013"},
        "replied_on": "2026-01-09",
        "conclusion": "agreed",
        "differences": [],
        "other_matters": "",
        "handled_by": {"name": "赵敏", "title": "对公客户经理", "phone": "010-8888 1234"},
        "reviewed_by": {"name": "钱峰", "title": "运营主管", "phone": "010-8888 1200"},
    }
    if letter_type == "bank_format2":
        filled = letters.example("bank_format1")
        answer["items"] = {**filled["items"], "cash_pool": filled["cash_pool"]}
    elif letter_type == "bank_capital":
        answer["items"] = {"contributions": letters.example("bank_capital")["contributions"]}
    answer.update(changes)
    return answer


def with_differences() -> dict[str, Any]:
    return reply("bank_format1", conclusion="differences",
                 differences=copy.deepcopy([d for d, _ in DIFFERENCES]))


def rendered(answer: dict[str, Any]) -> Any:
    return render_reply_document(answer, customer_name=CLIENT, created_at=CREATED)


@pytest.mark.parametrize("answer", [reply("bank_format1"), with_differences(),
                                    reply("bank_format2"), reply("bank_capital")],
                         ids=["format1_agreed", "format1_differences", "format2", "capital"])
def test_a_reply_is_bound_to_its_letter_and_names_bank_customer_and_signers(answer, pdf_text):
    pdf = rendered(answer).pdf
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    flat, words = squash(text), text.split()
    assert "银行询证函回函" in flat
    assert f"函证编号：{answer['letter_number']}" in flat
    assert any(word.endswith(DIGEST) for word in words), "the letter's SHA-256 is not whole"
    assert DIGEST in squash(pdf_text(pdf, 1)), "the SHA-256 belongs on the first page"
    assert "京华商业银行股份有限公司北京分行" in flat
    assert "统一社会信用代码：91110000MA00BK7Q0G" in flat and "行号：313100000013" in flat
    assert CLIENT in flat and "函证基准日：2025年12月31日" in flat
    if answer["letter_type"] == "bank_format2":
        assert "本行已根据本行记录填列询证函所列事项" in flat and AGREED not in flat
    else:
        assert (AGREED if answer["conclusion"] == "agreed" else DIFFERENT) in flat
    assert "其他重大事项：无" in flat
    flat = squash(pdf_text(pdf, None, "-raw"))  # drawing order: each signer on one line
    assert "经办人：赵敏职务：对公客户经理电话：010-88881234" in flat
    assert "复核人：钱峰职务：运营主管电话：010-88881200" in flat
    assert "回函日期：2026年1月9日" in flat and "银行签章" in flat


def test_each_difference_shows_item_row_field_both_values_and_why(pdf_text):
    answer = with_differences()
    pdf = rendered(answer).pdf
    raw = squash(pdf_text(pdf, None, "-raw"))
    assert DIFFERENT + DIFFERENCE_HEADER in raw
    for difference, row in DIFFERENCES:
        assert row in raw, f"{difference['item']} / {difference['field']} is not shown as {row}"
    assert AGREED not in raw


def test_format2_shows_the_rows_the_bank_filled_and_marks_unused_items(pdf_text):
    answer = reply("bank_format2")
    text = pdf_text(rendered(answer).pdf)
    flat, words = squash(text), text.split()
    items = answer["items"]
    for key in letters.BANK_ITEMS:
        heading = letters.BANK_HEADINGS[key]
        assert heading in flat, key
        if not items[key]["applicable"]:
            assert heading + letters.NOT_CONFIRMED in flat, f"{key} is unused but not struck"
    for part, heading in letters.GUARANTEE_HEADINGS.items():
        if not items["guarantees"][part]["applicable"]:
            assert heading + letters.NOT_CONFIRMED in flat, part
    assert letters.CASH_POOL_HEADING in flat
    filled = {"items": {k: v for k, v in items.items() if k != "cash_pool"},
              "cash_pool": items["cash_pool"]}
    for pointer, amount in letters.amounts("bank_format1", {**answer, **filled}):
        assert letters.printed(amount) in words, f"{pointer} = {amount} is not printed"
    raw = squash(pdf_text(rendered(answer).pdf, None, "-raw"))
    for row in items["deposits"]["rows"]:
        assert row["account_number"] in raw
    # The bank states what it holds; the company's own footers are not the bank's to make.
    assert "本公司并无在贵行的其他存款" not in flat
    assert "请贵行填列" not in flat
    # 格式二 listed nothing to check: the bank says it filled the items, not that they agree.
    assert "本行已根据本行记录填列询证函所列事项" in flat
    assert "相符" not in flat and "不符之处" not in flat


def test_capital_reply_shows_the_contributions_and_totals(pdf_text):
    answer = reply("bank_capital")
    pdf = rendered(answer).pdf
    flat, words = squash(pdf_text(pdf, None, "-raw")), pdf_text(pdf).split()
    assert "出资者缴入投资资金明细表" in flat and "合计" in flat
    for row in answer["items"]["contributions"]:
        assert squash(row["payer"]) in flat
        assert letters.printed(row["amount"]) in words
        assert row["account_number"][-9:] in flat


def test_a_long_differences_table_runs_over_pages_each_headed(pdf_text):
    answer = with_differences()
    answer["differences"] = [
        {"item": "deposits", "row": i, "field": "balance", "kind": "value",
         "stated": f"{1000 + i}.00", "confirmed": f"{2000 + i}.50",
         "explanation": f"第{i + 1}户余额不符"}
        for i in range(90)]
    done = rendered(answer)
    total = page_count(done.pdf)
    assert total == done.pages >= 3
    pages = [squash(pdf_text(done.pdf, n, "-raw")) for n in range(1, total + 1)]
    for n, page in enumerate(pages, start=1):
        assert page.startswith("函证编号：MC-2025-BJ-0417函证基准日：2025-12-31"), f"page {n}"
        assert f"第{n}页/共{total}页" in page, f"page {n}"
    holding = [n for n, page in enumerate(pages) if "余额不符" in page]
    assert len(holding) >= 2
    for n in holding:
        assert DIFFERENCE_HEADER in pages[n], f"page {n + 1} has differences but no header row"
    words = pdf_text(done.pdf).split()
    for difference in answer["differences"]:
        assert letters.printed(difference["stated"]) in words
        assert letters.printed(difference["confirmed"]) in words


def test_text_is_never_smaller_than_wuhao():
    for answer in (with_differences(), reply("bank_format2"), reply("bank_capital")):
        for stream in content_streams(rendered(answer).pdf):
            sizes = [float(s) for s in re.findall(rb"([\d.]+) Tf\b", stream)]
            assert sizes and min(sizes) >= 10.5
            assert not re.search(rb"\brg\b|\bk\b|\bsc\b|\bscn\b", stream)


@pytest.mark.parametrize(("letter_type", "pointer"), [
    ("bank_format1", "/bank/name"),
    ("bank_format1", "/letter_number"),
    ("bank_format1", "/other_matters"),
    ("bank_format1", "/reviewed_by/title"),
    ("bank_format1", "/differences/0/explanation"),
    ("bank_format1", "/differences/2/confirmed"),
    ("bank_format1", "/differences/4/bank_row/borrower_name"),
    ("bank_format2", "/items/deposits/rows/1/account_name"),
    ("bank_format2", "/items/cash_pool/rows/0/remarks"),
    ("bank_capital", "/items/contributions/1/remarks"),
])
def test_an_unprintable_character_names_its_field(letter_type, pointer):
    answer = with_differences() if letter_type == "bank_format1" else reply(letter_type)
    letters.resolve(answer, pointer)  # the value exists: the test replaces it
    parent, key = pointer.rsplit("/", 1)
    holder = letters.resolve(answer, parent) if parent else answer
    holder[int(key) if isinstance(holder, list) else key] = "有\ue000字"
    with pytest.raises(UnprintableCharacter) as caught:
        render_reply(answer, customer_name=CLIENT, created_at=CREATED)
    assert caught.value.field == pointer
    assert caught.value.character == "\ue000" and pointer in caught.value.message


def test_customer_name_letter_type_and_conclusion_errors():
    with pytest.raises(UnprintableCharacter) as caught:
        render_reply(reply("bank_format1"), customer_name="北京\U0001f600科技有限公司")
    assert caught.value.field == "customer_name"
    with pytest.raises(UnknownLetterType) as unknown:
        render_reply(reply("company_payable"), customer_name=CLIENT)
    assert unknown.value.field == "/letter_type"
    with pytest.raises(RenderError) as conclusion:
        render_reply(reply("bank_format1", conclusion="maybe"), customer_name=CLIENT)
    assert conclusion.value.field == "/conclusion"
    contradiction = reply("bank_format1", differences=with_differences()["differences"])
    with pytest.raises(RenderError) as agreed:
        render_reply(contradiction, customer_name=CLIENT)
    assert agreed.value.field == "/differences"


@pytest.mark.parametrize("answer", [reply("bank_format1"), reply("bank_format2")],
                         ids=["one_page", "several_pages"])
def test_the_bank_seal_box_is_empty_and_inside_the_last_page(answer, pdftotext_bin, tmp_path):
    done = rendered(answer)
    assert set(done.signature_boxes) == {"responder"}
    words, (x1, top, x2, bottom) = seal_page_words(done, "responder", pdftotext_bin,
                                                   tmp_path / "reply.pdf")
    label = [w for w in words if "银行签章" in w[4]]
    assert label and float(label[0][3]) <= top + 1, "the 银行签章 label is not above the box"
    for *corners, word in words:
        wx1, wy1, wx2, wy2 = map(float, corners)
        assert not (wx1 < x2 and wx2 > x1 and wy1 < bottom and wy2 > top), f"{word} in the box"


def test_same_reply_same_bytes():
    answer = with_differences()
    assert rendered(answer).pdf == rendered(copy.deepcopy(answer)).pdf
