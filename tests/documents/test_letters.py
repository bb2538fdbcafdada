"""Every letter type renders with its number, date, items, amounts and reply section."""

from __future__ import annotations

import pytest

from hub.documents import LETTER_TYPES, RenderedLetter, render_letter_document
from tests.documents import letters
from tests.documents.conftest import CLIENT, CREATED, squash


def _rendered(letter_type: str, letter: dict) -> RenderedLetter:
    return render_letter_document(letter_type, letter, client_name=CLIENT, created_at=CREATED)


@pytest.mark.parametrize("letter_type", LETTER_TYPES)
def test_each_example_prints_its_number_date_and_amounts(letter_type, render, pdf_text):
    letter = letters.valid(letter_type, letters.example(letter_type))
    pdf = render(letter_type, letter)
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    flat = squash(text)
    assert f"函证编号：{letter['letter_number']}" in flat
    assert f"函证基准日：{letter['as_of_date']}" in flat
    assert letter["responder"]["name"] in flat
    assert letter["reply_to"]["email"] in flat
    assert squash(letter["reply_to"]["address"]) in flat
    words = text.split()
    for pointer, amount in letters.amounts(letter_type, letter):
        if pointer.startswith("/book_values"):
            continue  # the firm's own figures for 格式二 are never printed (next test)
        assert amount in words, f"{pointer} = {amount} is not printed as submitted"


@pytest.mark.parametrize("letter", [letters.example("bank_format1"),
                                    letters.everything_applicable(),
                                    letters.nothing_applicable()],
                         ids=["example", "everything", "deposits_only"])
def test_format1_prints_items_1_to_14_and_marks_unused_ones(letter, render, pdf_text):
    text = pdf_text(render("bank_format1", letter))
    flat, words = squash(text), text.split()
    for key in letters.BANK_ITEMS:
        heading = letters.BANK_HEADINGS[key]
        assert heading in flat, key
        if not letter["items"][key]["applicable"]:
            assert heading + "不适用" in flat, f"{key} is unused but not marked 不适用"
    guarantees = letter["items"]["guarantees"]
    for part, heading in letters.GUARANTEE_HEADINGS.items():
        if guarantees["applicable"]:
            assert heading in flat, part
            if not guarantees[part]["applicable"]:
                assert heading + "不适用" in flat, f"guarantees {part} unused but not marked"
    assert letters.CASH_POOL_HEADING in flat
    if not letter["cash_pool"]["applicable"]:
        assert letters.CASH_POOL_HEADING + "不适用" in flat
    for pointer, amount in letters.amounts("bank_format1", letter):
        assert amount in words, pointer
    assert "以下由被询证银行填列" in flat and "经本行核对，所函证项目与本行记载信息相符" in flat


def test_format1_with_every_item_prints_each_table_and_no_not_applicable(render, pdf_text):
    letter = letters.everything_applicable()
    flat = squash(pdf_text(render("bank_format1", letter)))
    assert "不适用" not in flat
    for value in ("天津昇达物流有限公司", "Kunzhe", "019745", "LC2025HD0099",
                  "本公司在贵行的贵金属租借业务余额为0。",
                  "自2025年1月1日起至2025年12月31日期间内注销"):
        assert value in flat


def test_format2_lists_the_scope_but_never_the_book_values(render, pdf_text):
    letter = letters.valid("bank_format2", letters.example("bank_format2"))
    text = pdf_text(render("bank_format2", letter))
    flat = squash(text)
    for key in letters.BANK_ITEMS:
        assert letters.BANK_HEADINGS[key] in flat, key
        if not letter["items"][key]["applicable"]:
            assert letters.BANK_HEADINGS[key] + "不适用" in flat
    assert "请贵行填列" in flat
    for number in letter["items"]["deposits"]["account_numbers"]:
        assert number in flat
    for pointer, amount in letters.amounts("bank_format2", letter):
        assert amount not in flat, f"book value {pointer} leaked onto the letter"


def test_capital_letter_prints_the_contributions_signatory_and_totals(render, pdf_text):
    letter = letters.valid("bank_capital", letters.example("bank_capital"))
    text = pdf_text(render("bank_capital", letter))
    flat = squash(text)
    assert "验资" in flat and "出资者缴入投资资金明细表" in flat
    assert letter["company_name"] in flat
    assert "王建平（法定代表人）" in flat
    assert "境内" in flat and "境外" in flat
    assert "合计" in flat


@pytest.mark.parametrize("letter_type", ["company_receivable", "company_payable"])
@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_company_letters_in_both_modes(letter_type, mode, render, pdf_text):
    letter = letters.company(letter_type, mode)
    flat = squash(pdf_text(render(letter_type, letter)))
    assert "企业询证函" in flat
    assert ("积极式" if mode == "positive" else "消极式") in flat
    assert ("应收账款" if letter_type == "company_receivable" else "应付账款") in flat
    assert "本函仅为复核账目之用，并非催款结算" in flat
    assert "截止日期" in flat and "贵公司欠" in flat and "欠贵公司" in flat
    if mode == "positive":
        assert "信息证明无误" in flat and "请在本函下端“信息证明无误”处签章证明" in flat
    else:
        assert "则无需回复" in flat and "信息证明无误" not in flat
    other = letter.get("other_matters")
    assert squash(other) in flat if other else "2.其他事项：无" in flat


def test_the_audited_entity_and_the_responder_get_empty_seal_areas(pdftotext_bin, tmp_path):
    import re
    import subprocess

    letter = letters.example("bank_format1")
    done = _rendered("bank_format1", letter)
    assert set(done.signature_boxes) == {"client", "responder"}
    source = tmp_path / "letter.pdf"
    source.write_bytes(done.pdf)
    html = subprocess.run([pdftotext_bin, "-bbox", str(source), "-"], capture_output=True,
                          check=True).stdout.decode()
    pages = html.split("<page ")[1:]
    assert len(pages) == done.pages
    for role, spot in done.signature_boxes.items():
        x1, y1, x2, y2 = spot.box
        assert 0 <= x1 < x2 <= 595.28 and 0 <= y1 < y2 <= 841.89, role
        assert x2 - x1 >= 150 and y2 - y1 >= 60, role
        # pdftotext measures from the top: nothing is printed inside the box.
        top, bottom = 841.89 - y2, 841.89 - y1
        for word in re.finditer(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"',
                                pages[spot.page]):
            wx1, wy1, wx2, wy2 = map(float, word.groups())
            inside = wx1 < x2 and wx2 > x1 and wy1 < bottom and wy2 > top
            assert not inside, f"text inside the {role} seal area"


def test_same_input_same_bytes(render):
    letter = letters.example("bank_format1")
    assert render("bank_format1", letter) == render("bank_format1", letter)
