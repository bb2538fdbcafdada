"""Return reasons (退函): what a careful bank refuses to answer, each reason naming its field."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.bank_sim import FORBIDDEN_CHARACTERS, ReturnReason, conformity
from hub.domain.uscc import make_uscc
from tests.bank_sim.support import CUSTOMER, ledger, letter

TYPES = ("bank_format1", "bank_format2", "bank_capital")


def reasons(letter_type: str, body: Any, customer: str = CUSTOMER) -> list[ReturnReason]:
    return conformity(letter_type, body, customer_uscc=customer, ledger=ledger())


def codes(found: list[ReturnReason]) -> list[tuple[str, str | None]]:
    return [(r.code, r.field) for r in found]


@pytest.mark.parametrize("letter_type", TYPES)
def test_the_example_letters_conform(letter_type: str) -> None:
    assert reasons(letter_type, letter(letter_type)) == []


@pytest.mark.parametrize("letter_type", TYPES)
def test_a_customer_unknown_to_the_bank(letter_type: str) -> None:
    found = reasons(letter_type, letter(letter_type), customer=make_uscc("91110108MA01WQ8N5"))
    assert [r.code for r in found] == ["customer_unknown"]
    assert "91110108MA01WQ8N5" in found[0].text


@pytest.mark.parametrize("letter_type", TYPES)
def test_a_letter_addressed_to_another_bank(letter_type: str) -> None:
    body = letter(letter_type)
    body["responder"] = {"uscc": make_uscc("91110000MA00HX2P3"), "name": "京华商业银行上海分行"}
    found = reasons(letter_type, body)
    assert codes(found) == [("wrong_bank", "/responder/uscc")]
    assert "京华商业银行上海分行" in found[0].text and "不是本行" in found[0].text


@pytest.mark.parametrize("letter_type", TYPES)
def test_a_letter_without_its_number(letter_type: str) -> None:
    body = letter(letter_type)
    del body["letter_number"]
    found = reasons(letter_type, body)
    assert codes(found) == [("letter_number_missing", "/letter_number")]
    assert "函证编号" in found[0].text


def test_a_letter_with_two_as_of_dates() -> None:
    body = letter("bank_format1")
    body["as_of_date"] = ["2025-12-31", "2026-06-30"]
    found = reasons("bank_format1", body)
    assert codes(found) == [("as_of_date_invalid", "/as_of_date")]
    assert "函证基准日" in found[0].text


@pytest.mark.parametrize("char", list(FORBIDDEN_CHARACTERS))
def test_each_forbidden_character_in_a_text_field(char: str) -> None:
    body = letter("bank_format1")
    body["reply_to"]["address"] += f" {char}"
    found = reasons("bank_format1", body)
    assert codes(found) == [("forbidden_characters", "/reply_to/address")]
    assert "回函地址" in found[0].text and char in found[0].text


def test_forbidden_characters_are_named_field_by_field() -> None:
    body = letter("bank_format1")
    body["items"]["deposits"]["rows"][1]["remarks"] = "一年期<定期>存单"
    body["reply_to"]["phone"] = "+86 10 6655 8821"
    found = reasons("bank_format1", body)
    assert codes(found) == [("forbidden_characters", "/reply_to/phone"),
                            ("forbidden_characters", "/items/deposits/rows/1/remarks")]
    assert "备注" in found[1].text and "< >" in found[1].text


def test_format2_book_values_are_never_read_by_the_bank() -> None:
    body = letter("bank_format2")
    body["book_values"]["deposits"][0]["account_type"] = "基本存款账户 & 结算户"
    assert reasons("bank_format2", body) == []


@pytest.mark.parametrize(
    ("where", "field"),
    [
        (("items", "loans"), "/items/loans/rows"),
        (("items", "guarantees", "for_others_to_bank"),
         "/items/guarantees/for_others_to_bank/rows"),
        (("cash_pool",), "/cash_pool/rows"),
    ],
)
def test_a_format1_item_confirmed_without_rows_or_nil(where: tuple[str, ...],
                                                       field: str) -> None:
    body = letter("bank_format1")
    node = body
    for key in where:
        node = node[key]
    node["rows"] = []
    assert reasons("bank_format1", body) == [], "empty rows confirm the item as nil (无)"
    del node["rows"]
    found = reasons("bank_format1", body)
    assert codes(found) == [("item_without_rows", field)]
    assert "既未列明细也未确认为无" in found[0].text


def test_item_14_marked_applicable_without_text() -> None:
    body = letter("bank_format1")
    body["items"]["other"] = {"applicable": True}
    assert codes(reasons("bank_format1", body)) == [("item_without_rows", "/items/other/text")]


@pytest.mark.parametrize("letter_type", ["bank_format1", "bank_format2"])
def test_an_item_left_blank(letter_type: str) -> None:
    body = letter(letter_type)
    del body["items"]["collection_bills"]
    found = reasons(letter_type, body)
    assert codes(found) == [("item_blank", "/items/collection_bills")]
    assert "9. 本公司为持票人" in found[0].text and "不询证" in found[0].text


def test_format2_items_need_no_rows() -> None:
    body = letter("bank_format2")
    body["items"]["custody_securities"] = {"applicable": True}
    assert reasons("bank_format2", body) == []


@pytest.mark.parametrize(
    ("number", "name", "field"),
    [
        ("0200004509200999999", "北京堃喆昇科技有限公司", "/fee_account/account_number"),
        ("0200004509200112740", "北京堃喆昇科技有限公司", "/fee_account/account_number"),
        ("0200004527100031880", "北京堃喆昇科技有限公司", "/fee_account/account_number"),
        ("0200004509200178866", "北京堃喆昇控股有限公司", "/fee_account/account_name"),
    ],
    ids=["unknown", "closed", "a_loan", "another_name"],
)
@pytest.mark.parametrize("letter_type", TYPES)
def test_a_fee_account_that_is_not_the_customers_account(letter_type: str, number: str,
                                                         name: str, field: str) -> None:
    body = letter(letter_type)
    body["fee_account"] = {"applicable": True, "account_name": name, "account_number": number}
    found = reasons(letter_type, body)
    assert codes(found) == [("fee_account_invalid", field)]
    assert "回函费用扣款账户" in found[0].text


def test_a_capital_letter_naming_another_company() -> None:
    body = letter("bank_capital")
    body["company_uscc"] = make_uscc("91110108MA01WQ8N5")
    assert codes(reasons("bank_capital", body)) == [("company_mismatch", "/company_uscc")]
    body["company_uscc"] = CUSTOMER
    assert reasons("bank_capital", body) == []


def test_what_else_the_schema_refuses_is_returned_with_the_field() -> None:
    body = letter("bank_format1")
    body["items"]["loans"]["rows"][0]["surprise"] = "x"
    found = reasons("bank_format1", body)
    assert codes(found) == [("letter_malformed", "/items/loans/rows/0/surprise")]
    assert "/items/loans/rows/0/surprise" in found[0].text


def test_several_reasons_are_all_given() -> None:
    body = letter("bank_format1")
    del body["letter_number"]
    del body["items"]["loans"]["rows"]
    body["reply_to"]["contact"] = "李晓雯 & 王芳"
    found = reasons("bank_format1", body, customer=make_uscc("91110108MA01WQ8N5"))
    assert {r.code for r in found} == {"customer_unknown", "letter_number_missing",
                                       "item_without_rows", "forbidden_characters"}


def test_an_unknown_letter_type_or_a_letter_that_is_no_object() -> None:
    assert [r.code for r in reasons("company_payable", letter("bank_format1"))] == [
        "letter_type_unsupported"]
    assert [r.code for r in reasons("bank_format1", [])] == ["letter_malformed"]


@pytest.mark.parametrize("letter_type", TYPES)
def test_every_reason_has_a_snake_case_code_and_chinese_text(letter_type: str) -> None:
    body = letter(letter_type)
    body["responder"]["uscc"] = make_uscc("91110000MA00HX2P3")
    del body["letter_number"]
    body["reply_to"]["address"] += "<>"
    for reason in reasons(letter_type, body, customer=make_uscc("91110108MA01WQ8N5")):
        assert reason.code.isascii() and reason.code == reason.code.lower()
        assert any("\u4e00" <= c <= "\u9fff" for c in reason.text)
