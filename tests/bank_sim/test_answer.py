"""Replies: 格式一 compared; 格式二 and 验资 filled from the ledger as of the 基准日."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

import schemas
from adapters.bank_sim import LetterNotConforming, UnknownCustomer, answer
from hub.domain.uscc import make_uscc
from tests.bank_sim.support import (
    BANK,
    CUSTOMER,
    REPLIED,
    SHA,
    brief,
    ledger,
    letter,
    raw_ledger,
    records,
    reply,
)

TYPES = ("bank_format1", "bank_format2", "bank_capital")


@pytest.mark.parametrize("letter_type", TYPES)
def test_each_example_letter_is_answered_as_agreed(letter_type: str) -> None:
    body = letter(letter_type)
    out = reply(letter_type, body)
    assert out["conclusion"] == "agreed" and out["differences"] == []
    assert out["letter_number"] == body["letter_number"] and out["letter_sha256"] == SHA
    assert (out["letter_type"], out["as_of_date"]) == (letter_type, body["as_of_date"])
    assert out["bank"]["uscc"] == BANK and out["replied_on"] == REPLIED.isoformat()
    assert out["handled_by"]["name"] and out["reviewed_by"]["name"]
    assert ("items" in out) == (letter_type != "bank_format1")


def seeded() -> tuple[dict[str, Any], dict[str, Any]]:
    """A ledger and a letter that differ in five ways, and only those."""
    raw = raw_ledger()
    customer = records(raw)
    customer["deposits"][0]["balance"] = "8625113.27"
    customer["deposits"].append({
        "account_name": "北京堃喆昇科技有限公司", "account_number": "0200004509200288610",
        "currency": "CNY", "interest_rate": "0.10", "account_type": "一般存款账户",
        "balance": "350000.00", "in_cash_pool": False, "restriction": {"restricted": False},
        "opened_on": "2025-11-03"})
    customer["loans"][1]["interest_rate"] = "3.15"  # 0200004527100031880
    customer["collection_bills"] = [{
        "bill_number": "110010000032120251118000456789", "acceptor_name": "天津澜港物流有限公司",
        "currency": "CNY", "face_amount": "260000.00", "issue_date": "2025-11-18",
        "due_date": "2026-02-18"}]
    body = letter("bank_format1")
    body["items"]["deposits"]["rows"].append({
        "account_name": "北京堃喆昇科技有限公司", "account_number": "0200004509200399001",
        "currency": "CNY", "interest_rate": "0.10", "account_type": "一般存款账户",
        "balance": "12000.00", "in_cash_pool": False, "restriction": {"restricted": False}})
    return raw, body


def test_seeded_changes_are_exactly_the_differences() -> None:
    raw, body = seeded()
    out = reply("bank_format1", body, ledger(raw))
    assert out["conclusion"] == "differences"
    assert brief(out) == [
        ("deposits", 0, "balance", "value", "8625413.27", "8625113.27"),
        ("deposits", 4, None, "not_at_bank", None, None),
        ("deposits", None, None, "not_in_letter", None, None),
        ("loans", 0, "interest_rate", "value", "3.10", "3.15"),
        ("collection_bills", None, None, "not_in_letter", None, None),
    ]
    extra = out["differences"][2]["bank_row"]
    assert extra["account_number"] == "0200004509200288610" and "opened_on" not in extra
    assert out["differences"][4]["bank_row"]["bill_number"] == "110010000032120251118000456789"
    assert [d["bank_row"] is None for d in out["differences"]] == [True, True, False, True, False]
    texts = [d["explanation"] for d in out["differences"]]
    assert "账户余额不符" in texts[0] and "0200004509200178866" in texts[0]
    assert "本行无此记录" in texts[1] and "询证函未列示" in texts[2]
    assert "利率不符" in texts[3] and "询证函确认为无" in texts[4]  # a contradicted nil item


def test_the_schema_example_reply_is_what_the_bank_answers_to_the_seeded_letter() -> None:
    raw, body = seeded()
    example = schemas.example("reply.bank.v1")
    out = answer("bank_format1", body, customer_uscc=CUSTOMER, ledger=ledger(raw),
                 letter_sha256=example["letter_sha256"], replied_on=date(2026, 1, 14))
    assert out == example


def test_a_format1_reply_never_echoes_the_letter() -> None:
    raw, body = seeded()
    text = json.dumps(reply("bank_format1", body, ledger(raw)), ensure_ascii=False)
    assert "items" not in json.loads(text)
    assert body["reply_to"]["email"] not in text and "0200004538000210457" not in text


@pytest.mark.parametrize(
    ("pointer", "written"),
    [
        (("items", "deposits", "rows", 1, "balance"), "5000000.0"),
        (("items", "deposits", "rows", 3, "balance"), "0"),
        (("items", "deposits", "rows", 0, "interest_rate"), "0.1000"),
        (("items", "wealth_products", "rows", 0, "units"), "3000000.000000"),
        (("cash_pool", "rows", 0, "balance"), "2000000"),
    ],
)
def test_amounts_rates_and_quantities_compare_as_decimals(pointer: tuple[Any, ...],
                                                           written: str) -> None:
    body = letter("bank_format1")
    node: Any = body
    for key in pointer[:-1]:
        node = node[key]
    node[pointer[-1]] = written
    assert reply("bank_format1", body)["differences"] == []
    node[pointer[-1]] = str(Decimal(written) + Decimal("0.01"))
    assert [d["field"] for d in reply("bank_format1", body)["differences"]] == [pointer[-1]]


def test_a_cent_is_a_difference() -> None:
    body = letter("bank_format1")
    body["items"]["deposits"]["rows"][0]["balance"] = "8625413.28"
    assert brief(reply("bank_format1", body)) == [
        ("deposits", 0, "balance", "value", "8625413.28", "8625413.27")]


def test_a_misstated_currency_is_one_difference_not_a_missing_account() -> None:
    body = letter("bank_format1")
    body["items"]["deposits"]["rows"][2]["currency"] = "EUR"
    assert brief(reply("bank_format1", body)) == [
        ("deposits", 2, "currency", "value", "EUR", "USD")]


def test_a_restriction_the_letter_does_not_state() -> None:
    raw = raw_ledger()
    records(raw)["deposits"][0]["restriction"] = {"restricted": True, "details": "司法冻结"}
    out = reply("bank_format1", letter("bank_format1"), ledger(raw))
    assert brief(out) == [("deposits", 0, "restriction/restricted", "value", False, True)]
    assert "司法冻结" in out["differences"][0]["explanation"]
    raw = raw_ledger()
    records(raw)["deposits"][1]["restriction"]["details"] = "为银行承兑汇票提供质押担保"
    assert [d["field"] for d in reply("bank_format1", letter("bank_format1"),
                                      ledger(raw))["differences"]] == ["restriction/details"]


def test_remarks_and_sequence_numbers_are_no_records() -> None:
    body = letter("bank_format1")
    del body["items"]["deposits"]["rows"][3]["remarks"]
    body["cash_pool"]["rows"][0]["seq"] = 7
    assert reply("bank_format1", body)["differences"] == []


def test_an_optional_field_the_bank_has_and_the_letter_omits() -> None:
    body = letter("bank_format1")
    del body["items"]["deposits"]["rows"][1]["end_date"]
    assert brief(reply("bank_format1", body)) == [
        ("deposits", 1, "end_date", "value", None, "2026-06-18")]


def test_records_of_items_not_confirmed_are_differences() -> None:
    raw = raw_ledger()
    records(raw)["guarantees_by_bank_for_company"] = [{
        "guaranteed_party": "北京堃喆昇科技有限公司", "guarantee_type": "履约保函",
        "currency": "CNY", "guarantee_amount": "1500000.00", "expiry_date": "2026-09-30",
        "contract_number": "京华保函2025第0077号"}]
    records(raw)["other"] = "贵公司在本行有一笔诉讼保全冻结，金额 300000.00 元。"
    body = letter("bank_format1")
    body["items"]["closed_accounts"] = {"applicable": False}
    body["items"]["guarantees"]["by_bank_for_company"] = {"applicable": False}
    out = reply("bank_format1", body, ledger(raw))
    assert brief(out) == [
        ("closed_accounts", None, None, "item_not_applicable", None, None),
        ("guarantees/by_bank_for_company", None, None, "item_not_applicable", None, None),
        ("other", None, "text", "item_not_applicable", None, records(raw)["other"]),
    ]
    assert out["differences"][0]["bank_row"]["account_number"] == "0200004509200112740"


def test_a_whole_item_not_applicable_covers_both_guarantee_tables() -> None:
    body = letter("bank_format1")
    body["items"]["guarantees"] = {"applicable": False}
    assert brief(reply("bank_format1", body)) == [
        ("guarantees/for_others_to_bank", None, None, "item_not_applicable", None, None)]


def test_a_nil_item_the_bank_confirms_is_no_difference_and_one_it_contradicts_is() -> None:
    raw = raw_ledger()
    body = letter("bank_format1")
    body["items"]["guarantees"]["by_bank_for_company"] = {"applicable": True, "rows": []}
    assert reply("bank_format1", body, ledger(raw))["conclusion"] == "agreed"
    records(raw)["guarantees_by_bank_for_company"] = [{
        "guaranteed_party": "北京堃喆昇科技有限公司", "guarantee_type": "履约保函",
        "currency": "CNY", "guarantee_amount": "1500000.00", "expiry_date": "2026-09-30",
        "contract_number": "京华保函2025第0077号"}]
    out = reply("bank_format1", body, ledger(raw))
    assert out["conclusion"] == "differences"
    assert brief(out) == [("guarantees/by_bank_for_company", None, None, "not_in_letter", None,
                           None)]
    assert "确认为无" in out["differences"][0]["explanation"]
    assert out["differences"][0]["bank_row"]["contract_number"] == "京华保函2025第0077号"


def test_item_14_text_is_compared() -> None:
    body = letter("bank_format1")
    body["items"]["other"] = {"applicable": True, "text": "无其他需说明事项"}
    assert brief(reply("bank_format1", body)) == [
        ("other", None, "text", "value", "无其他需说明事项", None)]


def test_accounts_are_answered_as_of_the_letters_date() -> None:
    body = letter("bank_format1")
    body["as_of_date"] = "2026-01-31"
    body["items"]["closed_accounts"]["to"] = "2026-01-31"
    out = reply("bank_format1", body)
    missing = [d["bank_row"]["account_number"] for d in out["differences"]]
    assert brief(out) == [("deposits", None, None, "not_in_letter", None, None)]
    assert missing == ["0200004509200301276"]  # opened 2026-01-08


# --------------------------------------------------------------------------- 格式二


def test_format2_is_filled_within_the_letters_scope() -> None:
    out = reply("bank_format2", letter("bank_format2"))
    items = out["items"]
    assert out["differences"] == [] and out["other_matters"] == ""
    assert [r["account_number"] for r in items["deposits"]["rows"]] == [
        "0200004509200178866", "0200004538000210457"]
    assert items["deposits"]["rows"][0]["balance"] == "8625413.27"
    assert [r["loan_account_number"] for r in items["loans"]["rows"]] == [
        "0200004527100031880", "0200004527100044215"]  # not the loan repaid in 2025
    assert items["closed_accounts"] == {
        "applicable": True, "from": "2025-01-01", "to": "2025-12-31",
        "rows": [{"account_name": "北京堃喆昇科技有限公司",
                  "account_number": "0200004509200112740", "currency": "CNY",
                  "closed_on": "2025-04-28"}]}
    assert len(items["guarantees"]["for_others_to_bank"]["rows"]) == 1
    assert items["guarantees"]["by_bank_for_company"] == {"applicable": True, "rows": []}
    assert len(items["acceptance_bills"]["rows"]) == 1
    assert len(items["wealth_products"]["rows"]) == 1
    for item in ("discounted_bills", "fx_contracts", "other", "cash_pool"):
        assert items[item] == {"applicable": False}  # on the ledger, but not asked
    assert "book_values" not in json.dumps(out)


def test_format2_without_account_numbers_lists_every_account_of_the_date() -> None:
    body = letter("bank_format2")
    del body["items"]["deposits"]["account_numbers"]
    body["cash_pool"] = {"applicable": True}
    body["items"]["other"] = {"applicable": True}
    items = reply("bank_format2", body)["items"]
    assert [r["account_number"] for r in items["deposits"]["rows"]] == [
        "0200004509200178866", "0200004514000093512", "0200004538000210457",
        "0200004509200265133"]
    assert not any("opened_on" in r or "closed_on" in r for r in items["deposits"]["rows"])
    assert items["cash_pool"]["rows"][0]["balance"] == "2000000.00"
    assert items["other"] == {"applicable": True}


def test_format2_names_a_listed_account_the_bank_does_not_have() -> None:
    body = letter("bank_format2")
    body["items"]["deposits"]["account_numbers"] = ["0200004509200399001",
                                                    "0200004538000210457"]
    body["items"]["loans"]["account_numbers"] = ["0200004527100044215"]
    out = reply("bank_format2", body)
    assert [r["account_number"] for r in out["items"]["deposits"]["rows"]] == [
        "0200004538000210457"]
    assert [r["loan_account_number"] for r in out["items"]["loans"]["rows"]] == [
        "0200004527100044215"]
    assert "0200004509200399001" in out["other_matters"]
    assert out["conclusion"] == "agreed" and out["differences"] == []


# --------------------------------------------------------------------------- 验资


def test_capital_contributions_are_filled_and_compared() -> None:
    raw = raw_ledger()
    records(raw)["contributions"][1]["amount"] = "500000.00"
    out = reply("bank_capital", letter("bank_capital"), ledger(raw))
    assert brief(out) == [("contributions", 1, "amount", "value", "550000.00", "500000.00")]
    assert out["items"]["contributions"] == records(raw)["contributions"]
    assert "金额不符" in out["differences"][0]["explanation"]


def test_capital_contributions_after_the_as_of_date_are_not_reported() -> None:
    body = letter("bank_capital")
    body["as_of_date"] = "2025-08-10"
    out = reply("bank_capital", body)
    assert [r["payer"] for r in out["items"]["contributions"]] == ["北京堃喆昇科技有限公司"]
    assert brief(out) == [("contributions", 1, None, "not_at_bank", None, None)]


# --------------------------------------------------------------------------- refusals


def test_a_letter_to_return_is_not_answered() -> None:
    body = letter("bank_format1")
    del body["letter_number"]
    with pytest.raises(LetterNotConforming) as caught:
        reply("bank_format1", body)
    assert [r.code for r in caught.value.reasons] == ["letter_number_missing"]
    assert caught.value.field == "/letter_number"


def test_an_unknown_customer_is_not_answered() -> None:
    with pytest.raises(UnknownCustomer):
        answer("bank_format1", letter("bank_format1"), ledger=ledger(), letter_sha256=SHA,
               customer_uscc=make_uscc("91110108MA01WQ8N5"), replied_on=REPLIED)


@pytest.mark.parametrize("sha", ["5D" * 32, "5d" * 31, "", "g" * 64])
def test_a_reply_is_bound_to_a_real_sha256(sha: str) -> None:
    with pytest.raises(ValueError, match="SHA-256"):
        answer("bank_format1", letter("bank_format1"), customer_uscc=CUSTOMER, ledger=ledger(),
               letter_sha256=sha, replied_on=REPLIED)
