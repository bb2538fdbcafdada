"""The JSON Schemas: examples, the letter formats, error messages, strict JSON, money values."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

import schemas
from hub.domain.errors import ValidationFailed
from hub.domain.model import LetterType
from hub.domain.uscc import validate_uscc

LETTER_SCHEMAS = {
    "bank_format1": "letter.bank_format1.v2024",
    "bank_format2": "letter.bank_format2.v2024",
    "bank_capital": "letter.bank_capital.v2024",
    "company_receivable": "letter.company_receivable.v1",
    "company_payable": "letter.company_payable.v1",
}
ITEMS = [
    "deposits", "loans", "closed_accounts", "entrusted_loans_as_principal",
    "entrusted_loans_as_borrower", "guarantees", "acceptance_bills", "discounted_bills",
    "collection_bills", "letters_of_credit", "fx_contracts", "custody_securities",
    "wealth_products", "other",
]


def example_names() -> list[str]:
    from schemas import _store

    return list(_store.example_names())


def schema_of(example_name: str) -> str:
    if example_name in schemas.names():
        return example_name
    return example_name.rsplit(".", 1)[0]  # confirmation_request.bank_format1


def refused(name: str, instance: Any) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        schemas.validate(name, instance)
    return caught.value


def request(letter_type: str = "bank_format1") -> dict[str, Any]:
    body: dict[str, Any] = schemas.example(f"confirmation_request.{letter_type}")
    return body


def fields(error: ValidationFailed) -> list[str]:
    return [e["field"] for e in error.errors]


# --------------------------------------------------------------------------- the files


def test_every_schema_is_named_titled_and_described() -> None:
    assert {"common", "confirmation_request", "confirmation", "confirmation_list", "history",
            "engagement_create", "engagement", "cancel_request", "problem", "envelope",
            *LETTER_SCHEMAS.values()} <= set(schemas.names())
    for name in schemas.names():
        schema = schemas.load(name)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"].endswith(f"/{name}.json")
        assert schema["title"] and schema["description"], name


@pytest.mark.parametrize("name", example_names())
def test_every_example_is_valid(name: str) -> None:
    schemas.validate(schema_of(name), schemas.example(name))


def test_every_schema_but_the_shared_definitions_has_an_example() -> None:
    with_example = {schema_of(n) for n in example_names()}
    assert set(schemas.names()) - with_example == {"common"}


def test_there_is_a_request_example_per_letter_type_holding_that_letters_example() -> None:
    for letter_type in LetterType:
        body = request(letter_type.value)
        assert body["letter_type"] == letter_type.value
        assert body["letter"] == schemas.example(LETTER_SCHEMAS[letter_type.value])


def test_examples_carry_valid_uscc_check_digits() -> None:
    checked = 0
    for name in example_names():
        for value in _strings_under(schemas.example(name), "uscc"):
            validate_uscc(value)
            checked += 1
    assert checked >= 10


def _strings_under(node: Any, key: str) -> list[str]:
    found = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key and isinstance(v, str):
                found.append(v)
            found += _strings_under(v, key)
    elif isinstance(node, list):
        for v in node:
            found += _strings_under(v, key)
    return found


def test_load_and_example_hand_out_copies() -> None:
    schemas.load("common")["$defs"].clear()
    schemas.example("confirmation_request.bank_format1")["letter"].clear()
    assert schemas.load("common")["$defs"]
    assert schemas.example("confirmation_request.bank_format1")["letter"]


def test_an_unknown_name_says_which_exist() -> None:
    with pytest.raises(KeyError, match="confirmation_request"):
        schemas.load("confirmation_requests")


# --------------------------------------------------------------------------- letter formats


def _row_titles(item: str, sub: str | None = None) -> set[str]:
    letter = schemas.load(LETTER_SCHEMAS["bank_format1"])
    node = letter["properties"]["items"]["properties"][item]
    if sub:
        node = node["else"]["properties"][sub]
    defname = node["else"]["properties"]["rows"]["items"]["$ref"].rsplit("/", 1)[-1]
    return {p["title"] for p in letter["$defs"][defname]["properties"].values()}


# The columns of the 2024 reference (shared/reference/bank-letter-formats.md). 贷款起止日期 is
# two fields; the cash-pool balance keeps 截至函证基准日 in its description, not its title.
COLUMNS = {
    ("deposits", None): {"账户名称", "银行账号", "币种", "利率", "账户类型", "账户余额",
                         "是否属于资金归集（资金池或其他资金管理）账户", "起始日期", "终止日期",
                         "是否存在冻结、担保或其他使用限制（如是，请注明相关情形）", "备注"},
    ("loans", None): {"借款人名称", "借款账号", "币种", "余额", "借款日期", "到期日期", "利率",
                      "抵（质）押品/担保人", "备注"},
    ("closed_accounts", None): {"账户名称", "银行账号", "币种", "注销账户日"},
    ("entrusted_loans_as_principal", None): {
        "账户名称", "银行结算账号/借据编号/贷款账号", "资金借入方", "币种", "利率", "余额",
        "贷款起始日期", "贷款到期日期", "备注"},
    ("entrusted_loans_as_borrower", None): {
        "账户名称", "银行结算账号/借据编号/贷款账号", "资金借出方", "币种", "利率", "余额",
        "贷款起始日期", "贷款到期日期", "备注"},
    ("guarantees", "for_others_to_bank"): {"被担保人", "担保方式", "币种", "担保余额",
                                           "担保到期日", "担保合同编号", "备注"},
    ("guarantees", "by_bank_for_company"): {"被担保人", "担保方式", "币种", "担保金额",
                                            "担保到期日", "担保合同编号", "备注"},
    ("acceptance_bills", None): {"银行承兑汇票号码", "结算账户账号", "币种", "票面金额", "出票日",
                                 "到期日", "抵（质）押品"},
    ("discounted_bills", None): {"商业汇票号码", "承兑人名称", "币种", "票面金额", "出票日",
                                 "到期日", "贴现日", "贴现率", "贴现净额"},
    ("collection_bills", None): {"商业汇票号码", "承兑人名称", "币种", "票面金额", "出票日",
                                 "到期日"},
    ("letters_of_credit", None): {"信用证号码", "受益人", "币种", "信用证金额", "到期日",
                                  "未使用金额"},
    ("fx_contracts", None): {"类别", "合约号码", "贵行卖出币种", "贵行买入币种", "金额币种",
                             "未履行的合约买卖金额", "汇率", "交收日期"},
    ("custody_securities", None): {"证券或其他产权文件名称", "证券代码或产权文件编号", "数量",
                                   "币种", "金额"},
    ("wealth_products", None): {"产品名称", "产品类型（封闭式/开放式）", "币种", "持有份额",
                                "产品净值", "购买日", "到期日", "是否被用于担保或存在其他使用限制"},
}


@pytest.mark.parametrize(("item", "sub"), list(COLUMNS))
def test_format1_rows_carry_every_column_of_the_2024_form(item: str, sub: str | None) -> None:
    assert _row_titles(item, sub) == COLUMNS[(item, sub)]


def test_the_cash_pool_annex_carries_its_columns() -> None:
    letter = schemas.load(LETTER_SCHEMAS["bank_format1"])
    titles = {p["title"] for p in letter["$defs"]["cash_pool_row"]["properties"].values()}
    assert titles == {"序号", "资金提供机构名称", "资金提供机构账号", "资金使用机构名称",
                      "资金使用机构账号", "币种", "拨入或拨出资金余额（拨出为正数，拨入为负数）",
                      "备注"}


@pytest.mark.parametrize("name", [LETTER_SCHEMAS["bank_format1"], LETTER_SCHEMAS["bank_format2"]])
def test_bank_letters_require_all_fourteen_items_and_the_cash_pool(name: str) -> None:
    schema = schemas.load(name)
    assert schema["properties"]["items"]["required"] == ITEMS
    assert {"cash_pool", "fee_account", "as_of_date", "letter_number"} <= set(schema["required"])


def _objects(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    found = []
    if isinstance(node, dict):
        if "properties" in node:
            found.append((path, node))
        for k, v in node.items():
            found += _objects(v, f"{path}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            found += _objects(v, f"{path}/{i}")
    return found


@pytest.mark.parametrize("name", [*LETTER_SCHEMAS.values(), "common", "confirmation_request"])
def test_every_object_of_a_letter_is_closed(name: str) -> None:
    for where, obj in _objects(schemas.load(name)):
        if "/if" in where or (where.endswith("/then") and "type" not in obj):
            continue  # a condition, or a branch adding a schema to a closed object
        closed = obj.get("additionalProperties") is False
        branched = "if" in obj and "then" in obj and "else" in obj
        assert closed or branched, f"{name}{where} is open"


@pytest.mark.parametrize("name", list(LETTER_SCHEMAS.values()))
def test_only_the_letter_itself_has_a_基准日(name: str) -> None:
    offenders = []
    for where, obj in _objects(schemas.load(name)):
        for key, prop in obj["properties"].items():
            if "基准日" in str(prop.get("title", "")):
                offenders.append(f"{where}/{key}")
    assert offenders == ["/as_of_date"]
    assert schemas.load(name)["properties"]["as_of_date"]["$ref"].endswith("/$defs/date")


def test_format2_book_values_are_described_as_never_sent_to_the_bank() -> None:
    book = schemas.load(LETTER_SCHEMAS["bank_format2"])["properties"]["book_values"]
    assert "绝不发送给银行" in book["description"]
    assert "never sent to the bank" in book["description"]


def test_currency_list_is_current_iso_4217() -> None:
    codes = schemas.load("common")["$defs"]["currency"]["enum"]
    assert {"CNY", "USD", "EUR", "HKD", "JPY", "XCG", "ZWG", "SLE", "VED"} <= set(codes)
    assert not {"HRK", "ZWL", "ANG", "SLL", "BGN", "CUC", "RMB"} & set(codes)
    assert len(codes) == len(set(codes)) >= 170


# --------------------------------------------------------------------------- refusals


def test_a_letter_without_as_of_date_names_the_missing_field() -> None:
    body = request()
    del body["letter"]["as_of_date"]
    error = refused("confirmation_request", body)
    assert error.field == "/letter/as_of_date"
    assert "函证基准日" in error.message and "required" in error.message


def test_two_as_of_dates_in_a_list_are_refused() -> None:
    body = request()
    body["letter"]["as_of_date"] = ["2025-12-31", "2026-06-30"]
    error = refused("confirmation_request", body)
    assert fields(error) == ["/letter/as_of_date"]
    assert "exactly one 函证基准日" in error.message


def test_a_duplicated_as_of_date_key_is_refused_not_silently_overwritten() -> None:
    raw = json.dumps(request(), ensure_ascii=False).replace(
        '"as_of_date": "2025-12-31"', '"as_of_date": "2025-12-31", "as_of_date": "2026-06-30"', 1
    )
    with pytest.raises(ValidationFailed) as caught:
        schemas.parse_json(raw.encode())
    assert caught.value.field == "/letter/as_of_date"
    assert "more than once" in caught.value.message


def test_a_duplicated_key_inside_an_array_is_located() -> None:
    raw = json.dumps(request()).replace('"balance": "136852.40"',
                                        '"balance": "136852.40", "balance": "1.00"')
    with pytest.raises(ValidationFailed) as caught:
        schemas.parse_json(raw.encode())
    assert caught.value.field == "/letter/items/deposits/rows/2/balance"


def test_an_amount_sent_as_a_json_number_is_refused_with_a_hint() -> None:
    raw = json.dumps(request()).replace('"balance": "8625413.27"', '"balance": 8625413.27')
    body = schemas.parse_json(raw.encode())
    assert body["letter"]["items"]["deposits"]["rows"][0]["balance"] == Decimal("8625413.27")
    error = refused("confirmation_request", body)
    assert error.field == "/letter/items/deposits/rows/0/balance"
    assert 'must be a decimal string such as "1234.56", not a JSON number' in error.message
    assert "账户余额" in error.message


def test_a_company_amount_sent_as_an_integer_is_refused_too() -> None:
    body = request("company_receivable")
    body["letter"]["rows"][0]["owed_by_you"] = 1865320
    assert refused("confirmation_request", body).field == "/letter/rows/0/owed_by_you"


def test_an_unknown_field_in_a_row_is_named() -> None:
    body = request()
    body["letter"]["items"]["deposits"]["rows"][0]["surprise"] = "x"
    error = refused("confirmation_request", body)
    assert error.field == "/letter/items/deposits/rows/0/surprise"
    assert "unknown field 'surprise'" in error.message


def test_a_missing_item_is_named_and_the_way_to_mark_it_not_applicable_is_said() -> None:
    body = request()
    del body["letter"]["items"]["loans"]
    error = refused("confirmation_request", body)
    assert fields(error) == ["/letter/items/loans"]
    assert '{"applicable": false}' in error.message


def test_an_item_not_confirmed_cannot_carry_rows() -> None:
    body = request()
    body["letter"]["items"]["custody_securities"]["rows"] = []
    error = refused("confirmation_request", body)
    assert error.field == "/letter/items/custody_securities/rows"
    assert "不询证" in error.message


def test_a_confirmed_item_needs_rows_or_an_empty_list_for_nil() -> None:
    body = request()
    del body["letter"]["items"]["loans"]["rows"]
    assert refused("confirmation_request", body).field == "/letter/items/loans/rows"


def test_a_wrong_currency_code_is_refused() -> None:
    body = request()
    body["letter"]["items"]["deposits"]["rows"][1]["currency"] = "RMB"
    error = refused("confirmation_request", body)
    assert error.field == "/letter/items/deposits/rows/1/currency"
    assert "ISO 4217" in error.message


def test_an_unknown_letter_type_is_refused() -> None:
    body = request()
    body["letter_type"] = "bank_format3"
    error = refused("confirmation_request", body)
    assert fields(error) == ["/letter_type"]
    assert "bank_format1" in error.message


def test_errors_of_the_chosen_letter_schema_point_into_the_letter() -> None:
    body = request("company_payable")
    del body["letter"]["mode"]
    body["letter"]["rows"][1]["currency"] = "usd"
    body["letter"]["rows"][0] = {"currency": "CNY"}
    error = refused("confirmation_request", body)
    assert fields(error) == ["/letter/mode", "/letter/rows/0", "/letter/rows/1/currency"]
    assert "owed_by_you" in error.errors[1]["message"]


def test_every_fault_is_listed_sorted_with_the_first_as_field() -> None:
    body = request()
    letter = body["letter"]
    del letter["letter_number"]
    letter["items"]["deposits"]["rows"][1]["balance"] = "12.345"
    letter["as_of_date"] = "2025-02-30"
    error = refused("confirmation_request", body)
    assert fields(error) == ["/letter/as_of_date", "/letter/items/deposits/rows/1/balance",
                             "/letter/letter_number"]
    assert error.field == "/letter/as_of_date"
    assert "not a real calendar date" in error.errors[0]["message"]
    assert "at most 2 decimals" in error.errors[1]["message"]


def test_a_restriction_needs_its_details() -> None:
    body = request()
    body["letter"]["items"]["deposits"]["rows"][0]["restriction"] = {"restricted": True}
    error = refused("confirmation_request", body)
    assert error.field == "/letter/items/deposits/rows/0/restriction/details"


def test_a_bank_letter_takes_no_mode() -> None:
    body = request()
    body["letter"]["mode"] = "negative"
    assert refused("confirmation_request", body).field == "/letter/mode"


def test_a_malformed_uscc_is_refused_by_the_schema() -> None:
    body = request("bank_capital")
    body["letter"]["responder"]["uscc"] = "91110000MA00BK7QOG"  # O is not in GB 32100
    assert refused("confirmation_request", body).field == "/letter/responder/uscc"


# --------------------------------------------------------------------------- strict JSON


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b'{"a": NaN}', "NaN"),
        (b'{"a": Infinity}', "Infinity"),
        (b'{"a": "\xff"}', "UTF-8"),
        (b'\xef\xbb\xbf{"a": 1}', "byte-order mark"),
        (b'{"a": 1', "not valid JSON"),
        (b"[" * 200_000, "nested too deeply"),
    ],
)
def test_parse_json_refuses_what_is_not_strict_json(raw: bytes, why: str) -> None:
    with pytest.raises(ValidationFailed, match=why) as caught:
        schemas.parse_json(raw)
    assert caught.value.field == "body"


def test_parse_json_never_makes_a_float() -> None:
    value = schemas.parse_json(b'{"rate": 0.1, "n": 3, "big": 1e400}')
    assert value == {"rate": Decimal("0.1"), "n": 3, "big": Decimal("1e400")}
    assert type(value["rate"]) is Decimal


def test_parse_json_refuses_a_lone_surrogate() -> None:
    with pytest.raises(ValidationFailed) as caught:
        schemas.parse_json(b'{"letter": {"name": "\\ud800"}}')
    assert caught.value.field == "/letter/name"


# --------------------------------------------------------------------------- money values


def test_money_values_finds_every_amount_of_the_format1_example() -> None:
    found = schemas.money_values("confirmation_request", request())
    items = "/letter/items"
    assert found == [
        (f"{items}/deposits/rows/0/balance", Decimal("8625413.27"), "CNY"),
        (f"{items}/deposits/rows/1/balance", Decimal("5000000.00"), "CNY"),
        (f"{items}/deposits/rows/2/balance", Decimal("136852.40"), "USD"),
        (f"{items}/deposits/rows/3/balance", Decimal("0.00"), "CNY"),
        (f"{items}/loans/rows/0/balance", Decimal("20000000.00"), "CNY"),
        (f"{items}/loans/rows/1/balance", Decimal("8500000.00"), "CNY"),
        (f"{items}/guarantees/for_others_to_bank/rows/0/guarantee_balance",
         Decimal("3000000.00"), "CNY"),
        (f"{items}/acceptance_bills/rows/0/face_amount", Decimal("1200000.00"), "CNY"),
        (f"{items}/discounted_bills/rows/0/face_amount", Decimal("800000.00"), "CNY"),
        (f"{items}/discounted_bills/rows/0/net_proceeds", Decimal("793915.56"), "CNY"),
        (f"{items}/fx_contracts/rows/0/amount", Decimal("500000.00"), "USD"),
        (f"{items}/wealth_products/rows/0/net_value", Decimal("3021450.00"), "CNY"),
        ("/letter/cash_pool/rows/0/balance", Decimal("2000000.00"), "CNY"),
    ]
    assert all(type(amount) is Decimal for _, amount, _ in found)


def test_money_values_follows_the_schema_not_field_names() -> None:
    body = request()
    # A rate and a quantity are decimal strings too, but not money.
    pointers = [p for p, _, _ in schemas.money_values("confirmation_request", body)]
    assert not any(p.endswith(("/interest_rate", "/discount_rate", "/units")) for p in pointers)
    letter = schemas.example(LETTER_SCHEMAS["bank_format1"])
    on_letter = schemas.money_values(LETTER_SCHEMAS["bank_format1"], letter)
    assert [p for p, _, _ in on_letter] == [p.removeprefix("/letter") for p in pointers]


def test_money_values_of_the_other_letter_types() -> None:
    f2 = schemas.money_values("confirmation_request", request("bank_format2"))
    assert [p for p, _, _ in f2] == [
        "/letter/book_values/deposits/0/balance", "/letter/book_values/deposits/1/balance",
        "/letter/book_values/loans/0/balance", "/letter/book_values/loans/1/balance",
    ]
    capital = schemas.money_values("confirmation_request", request("bank_capital"))
    assert [(a, c) for _, a, c in capital] == [(Decimal("6000000.00"), "CNY"),
                                               (Decimal("550000.00"), "USD")]
    payable = schemas.money_values("confirmation_request", request("company_payable"))
    assert payable[1] == ("/letter/rows/1/owed_to_you", Decimal("21800.00"), "USD")
