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
        assert letters.printed(amount) in words, f"{pointer} = {amount} is not printed"
        if "," in letters.printed(amount):
            assert amount not in words, f"{pointer} = {amount} printed without separators"


def _state(value: dict) -> str:
    if not value["applicable"]:
        return "not_confirmed"
    return "rows" if value.get("rows") or value.get("text") else "nil"


def _after(flat: str, heading: str) -> str:
    """The printed text from `heading` on (the item's table and what follows it)."""
    assert heading in flat, heading
    return flat[flat.index(heading) + len(heading):]


def _check_item(flat: str, heading: str, value: dict, closing: str | None) -> None:
    """Rows: the closing sentence follows; nil: 无 in the table, then the closing sentence;
    not confirmed: marked 本项不询证, and no closing sentence is claimed for it."""
    state = _state(value)
    rest = _after(flat, heading)
    if state == "not_confirmed":
        assert rest.startswith(letters.NOT_CONFIRMED), f"{heading}: not marked 不询证"
        return
    assert not rest.startswith(letters.NOT_CONFIRMED), heading
    if closing is not None:
        assert squash(closing) in rest, f"{heading}: no closing sentence"
        table = rest[:rest.index(squash(closing))]
        if heading == letters.BANK_HEADINGS["fx_contracts"]:  # its two preset 类别 rows
            for category in letters.FX_CATEGORIES:
                assert category in table, (heading, table)
                if state == "nil":
                    assert category + "无" in table, (heading, table)
            return
        assert table.endswith("无") == (state == "nil"), f"{heading}: {state} but table {table!r}"


@pytest.mark.parametrize("letter", [letters.example("bank_format1"),
                                    letters.everything_applicable(),
                                    letters.nothing_applicable(),
                                    letters.all_nil()],
                         ids=["example", "everything", "deposits_only", "all_nil"])
def test_format1_prints_each_item_in_its_state_with_its_closing_sentence(letter, render,
                                                                          pdf_text):
    text = pdf_text(render("bank_format1", letter))
    flat, words = squash(text), text.split()
    assert flat.count("银行询证函（格式一）") == 1 and "不适用" not in flat
    for key in letters.BANK_ITEMS:
        value = letter["items"][key]
        if key == "guarantees":
            assert letters.BANK_HEADINGS[key] in flat
            for part, heading in letters.GUARANTEE_HEADINGS.items():
                _check_item(flat, heading, value[part] if value["applicable"] else value,
                            letters.CLOSINGS[part])
            continue
        heading = letters.BANK_HEADINGS[key]
        if key == "closed_accounts" and value["applicable"]:
            heading = f"3.自{letters.chinese(value['from'])}起至{letters.chinese(value['to'])}" \
                      + heading
        _check_item(flat, heading, value, letters.CLOSINGS.get(key))
    _check_item(flat, letters.CASH_POOL_HEADING, letter["cash_pool"], None)
    for pointer, amount in letters.amounts("bank_format1", letter):
        assert letters.printed(amount) in words, pointer
    assert "以下由被询证银行填列" in flat


def test_nil_items_ask_the_bank_to_confirm_there_are_none(render, pdf_text):
    letter = letters.all_nil()
    flat = squash(pdf_text(render("bank_format1", letter)))
    for key, closing in letters.CLOSINGS.items():
        assert squash(closing) in flat, key
    assert letters.NOT_CONFIRMED not in flat.replace("14.其他（本项不询证）", "")


def test_format1_has_the_2024_opening_and_footnotes(render, pdf_text):
    flat = squash(pdf_text(render("bank_format1", letters.example("bank_format1"))))
    for words in ("（以下简称“贵行”，即“函证收件人”）：", "[或签发电子签名]", "（即“函证基准日”）",
                  "回函服务的费用（如适用）", "函证经办人②", "地址及联系方式③如下",
                  "①根据《中华人民共和国电子签名法》", "④本询证函所示的1-14项及附表（如适用）信息，"
                  "以银行印章所代表的总分支机构主体范围进行回函。",
                  "资金提供机构名称（即拨入资金的具体机构）", "（拨出填列正数，拨入填列负数）",
                  "（预留签章/采用电子授权）", "骑缝章"):
        assert words in flat, words
    branch = letters.example("bank_format1")["responder"].get("branch")
    assert branch and branch not in flat, "two addressees"


def _conclusions(flat: str, *sentences: str) -> list[str]:
    """The text of each conclusion block, up to the next one (or the end)."""
    starts = [flat.index(squash(s)) for s in sentences]
    ends = [*starts[1:], len(flat)]
    return [flat[a:b] for a, b in zip(starts, ends, strict=True)]


@pytest.mark.parametrize("letter_type", ["bank_format1", "bank_capital"])
def test_each_bank_conclusion_has_its_own_signers_date_and_seal(letter_type, render, pdf_text):
    flat = squash(pdf_text(render(letter_type, letters.example(letter_type))))
    blocks = _conclusions(flat, "1.经本行核对，所函证项目与本行记载信息相符。特此函复。",
                          "2.经本行核对，存在以下不符之处。")
    for block in blocks:
        for part in ("经办人：", "复核人：", "（银行盖章）"):
            assert block.count(part) == 1, (part, block)
    assert "3.除本函所列事项外" not in flat and "数据及事项证明无误" not in flat
    done = _rendered(letter_type, letters.example(letter_type))
    assert {"responder", "responder_differences"} <= set(done.signature_boxes)


def test_format2_lists_the_scope_but_never_the_book_values(render, pdf_text):
    letter = letters.valid("bank_format2", letters.example("bank_format2"))
    text = pdf_text(render("bank_format2", letter))
    flat = squash(text)
    assert "银行询证函（格式二）" in flat and "除上述列示的" not in flat
    for key in letters.BANK_ITEMS:
        assert letters.BANK_HEADINGS[key] in flat, key
        if not letter["items"][key]["applicable"]:
            assert letters.BANK_HEADINGS[key] + letters.NOT_CONFIRMED in flat
    assert "请贵行填列" in flat
    for number in letter["items"]["deposits"]["account_numbers"]:
        assert number in flat
    for pointer, amount in letters.amounts("bank_format2", letter):
        assert amount not in flat and letters.printed(amount) not in flat, \
            f"book value {pointer} leaked onto the letter"


def test_capital_letter_prints_the_contributions_signatory_and_totals(render, pdf_text):
    letter = letters.valid("bank_capital", letters.example("bank_capital"))
    text = pdf_text(render("bank_capital", letter))
    flat = squash(text)
    assert flat.startswith("函证编号") and "验资业务银行询证函" in flat
    assert "出资者缴入投资资金明细表" in flat and "被审计单位" not in flat
    assert letter["company_name"] in flat and "本公司（筹）聘请的" in flat
    assert "王建平（法定代表人）" in flat
    raw = squash(pdf_text(render("bank_capital", letter), None, "-raw"))
    assert "款项来源细分：境内" in raw and "款项来源细分：境外" in raw
    assert "合计" in flat


@pytest.mark.parametrize("letter_type", ["company_receivable", "company_payable"])
@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_company_letters_in_both_modes(letter_type, mode, render, pdf_text):
    letter = letters.company(letter_type, mode)
    flat = squash(pdf_text(render(letter_type, letter)))
    assert "企业询证函" in flat and "单位：元" in flat and "2025年度财务报表" in flat
    assert "积极式" not in flat and "消极式" not in flat, "no invented subtitle"
    assert "本函仅为复核账目之用，并非催款结算" in flat
    assert "截止日期" in flat and "贵公司欠" in flat and "欠贵公司" in flat
    if mode == "positive":
        assert "信息证明无误" in flat and "请在本函下端“信息证明无误”处签章证明" in flat
        blocks = _conclusions(flat, "1.信息证明无误。", "2.信息不符，请列明不符项目及具体内容。")
        for block in blocks:
            for part in ("（被询证单位盖章）", "年月日", "经办人："):
                assert block.count(part) == 1, (part, block)
        assert "仍请及时函复为盼" in flat
    else:
        assert "则无需回复" in flat and "信息证明无误" not in flat
        assert "函复为盼" not in flat and "仍请及时核对为盼" in flat
        assert "上面的信息不正确，差异如下：" in flat
    other = letter.get("other_matters")
    assert squash(other) in flat if other else "2.其他事项：无" in flat


def test_the_audited_entity_and_the_responder_get_empty_seal_areas(pdftotext_bin, tmp_path):
    import re
    import subprocess

    letter = letters.example("bank_format1")
    done = _rendered("bank_format1", letter)
    assert set(done.signature_boxes) == {"client", "responder", "responder_differences"}
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
