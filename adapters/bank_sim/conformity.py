"""Why a careful bank returns a letter (退函) instead of answering it, each reason named."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import schemas
from adapters.bank_sim import _tables as t
from adapters.bank_sim._ledger_parse import pointer
from adapters.bank_sim.ledger import Customer, Ledger
from hub.domain.errors import ValidationFailed

__all__ = ["FORBIDDEN_CHARACTERS", "ReturnReason", "conformity"]

FORBIDDEN_CHARACTERS = "&%'\"\\<>+"
"""Characters some banks' systems refuse in any field of a letter."""

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_PRIVATE = "/book_values"
"""Format 2's book figures are the firm's own and never sent to the bank."""


@dataclass(frozen=True)
class ReturnReason:
    """One reason to return a letter: a stable `code`, a Chinese `text` naming the field."""

    code: str
    text: str
    field: str | None = None
    """JSON pointer of the value at fault in the letter, if one is."""


def conformity(letter_type: str, letter: Any, *, customer_uscc: str,
               ledger: Ledger) -> list[ReturnReason]:
    """Every reason to return `letter` (of `letter_type`); an empty list if it may be answered."""
    schema = t.LETTER_SCHEMAS.get(letter_type)
    if schema is None:
        return [ReturnReason("letter_type_unsupported", f"本行不受理此类询证函（{letter_type}）")]
    if not isinstance(letter, dict):
        return [ReturnReason("letter_malformed", "询证函内容不是 JSON 对象", "")]
    reasons = list(_addressee(letter, ledger))
    customer = ledger.customers.get(customer_uscc)
    if customer is None:
        reasons.append(ReturnReason(
            "customer_unknown", f"本行无统一社会信用代码为 {customer_uscc} 的客户"))
    reasons += _header(letter)
    if letter_type == "bank_capital":
        reasons += _company(letter, customer_uscc)
    else:
        reasons += _items(letter, rows_required=letter_type == "bank_format1")
    if customer is not None:
        reasons += _fee_account(letter, customer)
    reasons += _forbidden(schema, letter)
    return reasons + _malformed(schema, letter, {r.field for r in reasons if r.field})


def _label(schema: str, path: tuple[str | int, ...]) -> str:
    title = t.title_at(schema, path)
    where = pointer(*path)
    return f"“{title}”（{where}）" if title else where


def _addressee(letter: dict[str, Any], ledger: Ledger) -> Iterator[ReturnReason]:
    responder = letter.get("responder")
    uscc = responder.get("uscc") if isinstance(responder, dict) else None
    if uscc != ledger.bank.uscc:
        name = responder.get("name", "") if isinstance(responder, dict) else ""
        yield ReturnReason(
            "wrong_bank",
            f"函证收件人（/responder/uscc：{name} {uscc or '未填写'}）不是本行"
            f"（{ledger.bank.name} {ledger.bank.uscc}）",
            "/responder/uscc",
        )


def _header(letter: dict[str, Any]) -> Iterator[ReturnReason]:
    number = letter.get("letter_number")
    if not isinstance(number, str) or not number.strip():
        yield ReturnReason("letter_number_missing", "询证函缺少函证编号（/letter_number）",
                           "/letter_number")
    as_of = letter.get("as_of_date")
    if not isinstance(as_of, str) or not _DATE.fullmatch(as_of):
        yield ReturnReason("as_of_date_invalid",
                           "询证函须有且只有一个有效的函证基准日（/as_of_date）", "/as_of_date")


def _company(letter: dict[str, Any], customer_uscc: str) -> Iterator[ReturnReason]:
    named = letter.get("company_uscc")
    if named is not None and named != customer_uscc:
        yield ReturnReason(
            "company_mismatch",
            f"被审验单位统一社会信用代码（/company_uscc：{named}）与本行客户 {customer_uscc} 不符",
            "/company_uscc",
        )


def _items(letter: dict[str, Any], *, rows_required: bool) -> Iterator[ReturnReason]:
    items = letter.get("items")
    if not isinstance(items, dict):
        yield ReturnReason("item_blank", "询证函未列示询证事项 1–14（/items）", "/items")
        return
    for item in t.ITEMS:
        yield from _item(items.get(item), ("items", item), t.item_title(item), rows_required)
    yield from _item(letter.get("cash_pool"), ("cash_pool",), t.item_title("cash_pool"),
                     rows_required)


def _item(value: Any, path: tuple[str, ...], title: str,
          rows_required: bool) -> Iterator[ReturnReason]:
    where = pointer(*path)
    if not isinstance(value, dict) or not isinstance(value.get("applicable"), bool):
        yield ReturnReason("item_blank",
                           f"事项“{title}”（{where}）未填写：不询证的事项须标明不询证（表格划斜线）",
                           where)
        return
    if not value["applicable"] or not rows_required:
        return
    if path[-1] == "guarantees":
        for sub in t.SUBTABLES:
            yield from _item(value.get(sub), (*path, sub), t.table_title(t.SUBTABLES[sub]),
                             rows_required)
    elif path[-1] == t.OTHER:
        text = value.get("text")
        if not isinstance(text, str) or not text.strip():
            yield ReturnReason("item_without_rows",
                               f"事项“{title}”标为适用但未填写内容（{where}/text）",
                               f"{where}/text")
    elif not isinstance(value.get("rows"), list):
        # An empty list is the item confirmed as nil (表格内填“无”): the bank confirms none.
        yield ReturnReason("item_without_rows",
                           f"事项“{title}”标为询证但既未列明细也未确认为无（{where}/rows）",
                           f"{where}/rows")


def _fee_account(letter: dict[str, Any], customer: Customer) -> Iterator[ReturnReason]:
    fee = letter.get("fee_account")
    if not isinstance(fee, dict) or fee.get("applicable") is not True:
        return
    number = fee.get("account_number")
    account = customer.open_account(number) if isinstance(number, str) else None
    if account is None:
        yield ReturnReason(
            "fee_account_invalid",
            f"回函费用扣款账户（/fee_account/account_number：{number}）不是贵公司在本行的有效账户",
            "/fee_account/account_number",
        )
    elif _blanks(fee.get("account_name")) != _blanks(account["account_name"]):
        yield ReturnReason(
            "fee_account_invalid",
            f"回函费用扣款账户名称（/fee_account/account_name：{fee.get('account_name')}）"
            f"与本行记录的户名（{account['account_name']}）不符",
            "/fee_account/account_name",
        )


def _blanks(value: Any) -> str:
    return " ".join(str(value).split())


def _strings(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...],
                                                                             str]]:
    if isinstance(value, dict):
        for key, member in value.items():
            yield from _strings(member, (*path, key))
    elif isinstance(value, list):
        for index, member in enumerate(value):
            yield from _strings(member, (*path, index))
    elif isinstance(value, str):
        yield path, value


def _forbidden(schema: str, letter: dict[str, Any]) -> Iterator[ReturnReason]:
    for path, text in _strings({k: v for k, v in letter.items() if f"/{k}" != _PRIVATE}):
        found = "".join(c for c in FORBIDDEN_CHARACTERS if c in text)
        if found:
            yield ReturnReason(
                "forbidden_characters",
                f"{_label(schema, path)}含有本行系统不接受的字符：{' '.join(found)}",
                pointer(*path),
            )


def _malformed(schema: str, letter: dict[str, Any], covered: set[str]) -> list[ReturnReason]:
    """What the letter's schema refuses, except what a reason above already names."""
    try:
        schemas.validate(schema, letter)
    except ValidationFailed as e:
        faults = e.errors
    else:
        return []
    out = []
    for fault in faults:
        where = "" if fault["field"] == "body" else fault["field"]
        if where == _PRIVATE or where.startswith(_PRIVATE + "/"):
            continue
        if any(where == c or where.startswith(c + "/") for c in covered):
            continue
        out.append(ReturnReason("letter_malformed",
                                f"询证函字段（{where}）不符合格式要求：{fault['message']}", where))
    return out
