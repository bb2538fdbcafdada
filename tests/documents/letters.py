"""Letters to render: the schema examples and variants of them, each valid against its schema."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import schemas

SCHEMAS = {
    "bank_format1": "letter.bank_format1.v2024",
    "bank_format2": "letter.bank_format2.v2024",
    "bank_capital": "letter.bank_capital.v2024",
    "company_receivable": "letter.company_receivable.v1",
    "company_payable": "letter.company_payable.v1",
}
BANK_ITEMS = (
    "deposits", "loans", "closed_accounts", "entrusted_loans_as_principal",
    "entrusted_loans_as_borrower", "guarantees", "acceptance_bills", "discounted_bills",
    "collection_bills", "letters_of_credit", "fx_contracts", "custody_securities",
    "wealth_products", "other",
)
# Item headings as printed (whitespace ignored); item 3 names its period when it applies.
BANK_HEADINGS = {
    "deposits": "1.银行存款",
    "loans": "2.银行借款",
    "closed_accounts": "期间内注销的银行存款账户",
    "entrusted_loans_as_principal": "4.本公司作为委托人的委托贷款",
    "entrusted_loans_as_borrower": "5.本公司作为借款人的委托贷款",
    "guarantees": "6.担保",
    "acceptance_bills": "7.本公司为出票人且由贵行承兑而尚未支付的银行承兑汇票",
    "discounted_bills": "8.本公司向贵行已贴现而尚未到期的商业汇票",
    "collection_bills": "9.本公司为持票人且由贵行托收（或由本公司提示付款）的商业汇票",
    "letters_of_credit": "10.本公司为申请人，由贵行开具的、未履行完毕的不可撤销信用证",
    "fx_contracts": "11.本公司与贵行之间未履行完毕的外汇买卖合约",
    "custody_securities": "12.本公司存放于贵行托管的证券或其他产权文件",
    "wealth_products": "13.本公司购买的由贵行发行的未到期银行理财产品",
    "other": "14.其他",
}
GUARANTEE_HEADINGS = {
    "for_others_to_bank": "(1)本公司为其他单位提供的、以贵行为担保受益人的担保",
    "by_bank_for_company": "(2)贵行向本公司提供的担保（如保函业务、备用信用证业务等）",
}
CASH_POOL_HEADING = "附表资金归集（资金池或其他资金管理）账户具体信息"
# The 2024 template's closing sentence under each table of 格式一 (whitespace ignored).
CLOSINGS = {
    "deposits":
        "除上述列示的银行存款（包括余额为零的存款账户）外，本公司并无在贵行的其他存款"
        "。",
    "loans":
        "除上述列示的银行借款外，本公司并无自贵行的其他借款。",
    "closed_accounts":
        "除上述列示的注销账户外，本公司在此期间并未在贵行注销其他账户。",
    "entrusted_loans_as_principal":
        "除上述列示的委托贷款外，本公司并无通过贵行办理的其他以本公司作为委托人的委托"
        "贷款。",
    "entrusted_loans_as_borrower":
        "除上述列示的委托贷款外，本公司并无通过贵行办理的其他以本公司作为借款人的委托"
        "贷款。",
    "for_others_to_bank":
        "除上述列示的担保外，本公司并无其他以贵行为担保受益人的担保。",
    "by_bank_for_company":
        "除上述列示的担保外，本公司并无贵行提供的其他担保。",
    "acceptance_bills":
        "除上述列示的银行承兑汇票外，本公司并无由贵行承兑而尚未支付的其他银行承兑汇票"
        "。",
    "discounted_bills":
        "除上述列示的商业汇票外，本公司并无向贵行已贴现而尚未到期的其他商业汇票。",
    "collection_bills":
        "除上述列示的商业汇票外，本公司并无由贵行托收（或由本公司提示付款）的其他商业"
        "汇票。",
    "letters_of_credit":
        "除上述列示的不可撤销信用证外，本公司并无由贵行开具的、未履行完毕的其他不可撤"
        "销信用证。",
    "fx_contracts":
        "除上述列示的外汇买卖合约外，本公司并无与贵行之间未履行完毕的其他外汇买卖合约"
        "。",
    "custody_securities":
        "除上述列示的证券或其他产权文件外，本公司并无存放于贵行托管的其他证券或其他产"
        "权文件。",
    "wealth_products":
        "除上述列示的银行理财产品外，本公司并未购买其他由贵行发行的理财产品。",
}
NOT_CONFIRMED = "（本项不询证）"
# Item 11's 类别 column: its two preset rows (in this order).
FX_CATEGORIES = ("贵行卖予本公司", "本公司卖予贵行")


def example(letter_type: str) -> dict[str, Any]:
    letter: dict[str, Any] = schemas.example(f"confirmation_request.{letter_type}")["letter"]
    return letter


def valid(letter_type: str, letter: dict[str, Any]) -> dict[str, Any]:
    """`letter`, after checking it against its schema (so the renderer gets what the API stores)."""
    schemas.validate(SCHEMAS[letter_type], letter)
    return letter


def resolve(letter: Any, pointer: str) -> Any:
    node = letter
    for part in pointer.lstrip("/").split("/"):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def with_item(letter_type: str, key: str, value: dict[str, Any]) -> dict[str, Any]:
    """The example letter with item `key` replaced by `value`."""
    letter = example(letter_type)
    letter["items"][key] = value
    return letter


def printed(amount: str) -> str:
    """An amount as the letters print it: thousands separators, two decimals (8,625,413.27),
    as they write amounts in their text too."""
    return f"{Decimal(amount):,.2f}"


def amounts(letter_type: str, letter: dict[str, Any]) -> list[tuple[str, str]]:
    """Every amount of the letter as submitted: (JSON pointer, the string)."""
    return [(pointer, resolve(letter, pointer))
            for pointer, _, _ in schemas.money_values(SCHEMAS[letter_type], letter)]


def deposit(i: int, **extra: Any) -> dict[str, Any]:
    return {
        "account_name": "北京堃喆昇科技有限公司",
        "account_number": f"02000045092{i:08d}",
        "currency": "CNY",
        "interest_rate": "0.35",
        "account_type": "一般存款账户",
        "balance": f"{1000 + i * 37}.{i % 100:02d}",
        "in_cash_pool": False,
        "restriction": {"restricted": False},
        **extra,
    }


def with_deposits(count: int) -> dict[str, Any]:
    letter = example("bank_format1")
    letter["items"]["deposits"]["rows"] = [deposit(i) for i in range(count)]
    return valid("bank_format1", letter)


def nothing_applicable() -> dict[str, Any]:
    letter = example("bank_format1")
    letter["items"] = {key: {"applicable": False} for key in BANK_ITEMS}
    letter["items"]["deposits"] = {"applicable": True, "rows": [deposit(1)]}
    letter["cash_pool"] = {"applicable": False}
    letter["fee_account"] = {"applicable": False}
    return valid("bank_format1", letter)


def all_nil() -> dict[str, Any]:
    """格式一 with deposits listed and every other item 1–13 and the annex confirmed as nil."""
    letter = example("bank_format1")
    for key in BANK_ITEMS:
        if key == "guarantees":
            letter["items"][key] = {"applicable": True,
                                    **{p: {"applicable": True, "rows": []}
                                       for p in GUARANTEE_HEADINGS}}
        elif key == "closed_accounts":
            letter["items"][key] = {"applicable": True, "from": "2025-01-01", "to": "2025-12-31",
                                    "rows": []}
        elif key not in ("deposits", "other"):
            letter["items"][key] = {"applicable": True, "rows": []}
    letter["cash_pool"] = {"applicable": True, "rows": []}
    return valid("bank_format1", letter)


def everything_applicable() -> dict[str, Any]:
    """格式一 with every item and both guarantee tables filled in."""
    letter = example("bank_format1")
    items = letter["items"]
    entrusted = {"account_name": "北京堃喆昇科技有限公司", "account_or_loan_number": "WT-2025-001",
                 "currency": "CNY", "interest_rate": "4.35", "balance": "7300000.00",
                 "start_date": "2025-02-01", "end_date": "2026-01-31"}
    items["entrusted_loans_as_principal"] = {
        "applicable": True, "rows": [{**entrusted, "borrower": "天津昇达物流有限公司"}]}
    items["entrusted_loans_as_borrower"] = {
        "applicable": True,
        "rows": [{**entrusted, "balance": "4100000.50", "lender": "北京堃喆昇控股有限公司"}]}
    items["guarantees"]["by_bank_for_company"] = {"applicable": True, "rows": [{
        "guaranteed_party": "北京堃喆昇科技有限公司", "guarantee_type": "履约保函",
        "currency": "EUR", "guarantee_amount": "250000.00", "expiry_date": "2026-09-30",
        "contract_number": "BH-2025-77"}]}
    items["collection_bills"] = {"applicable": True, "rows": [{
        "bill_number": "130010000077720250808000111222", "acceptor_name": "广州昇华电子有限公司",
        "currency": "CNY", "face_amount": "456789.01", "issue_date": "2025-08-08",
        "due_date": "2026-02-08"}]}
    items["letters_of_credit"] = {"applicable": True, "rows": [{
        "lc_number": "LC2025HD0099", "beneficiary": "Kunzhe Trading GmbH", "currency": "EUR",
        "amount": "880000.00", "expiry_date": "2026-03-31", "unused_amount": "120000.00"}]}
    items["custody_securities"] = {"applicable": True, "rows": [{
        "name": "2025年记账式附息国债", "code": "019745", "quantity": "10000",
        "currency": "CNY", "amount": "1002300.00"}]}
    items["other"] = {"applicable": True, "text": "本公司在贵行的贵金属租借业务余额为 0。"}
    return valid("bank_format1", letter)


def company(letter_type: str, mode: str) -> dict[str, Any]:
    letter = example(letter_type)
    letter["mode"] = mode
    return valid(letter_type, letter)


def with_value(letter_type: str, pointer: str, value: Any) -> dict[str, Any]:
    """The example with one value replaced (not validated: it may hold anything)."""
    letter = example(letter_type)
    parts = pointer.lstrip("/").split("/")
    parent = resolve(letter, "/" + "/".join(parts[:-1])) if len(parts) > 1 else letter
    if isinstance(parent, list):
        parent[int(parts[-1])] = value
    else:
        parent[parts[-1]] = value
    return letter


def chinese(iso: str) -> str:
    """2025-01-01 → 2025年1月1日, as letters print dates in sentences."""
    year, month, day = (int(p) for p in iso.split("-"))
    return f"{year}年{month}月{day}日"
