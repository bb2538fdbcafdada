"""Replies: the signed binding to the letter, the stated-value check, 格式二 book comparison."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

import schemas
from adapters.bank_sim import EXAMPLE_LEDGER, Ledger, answer
from hub.domain.replies import (
    binding_keywords,
    compare_book_values,
    data_sha256,
    parse_binding,
    stated_mismatches,
)


def format2_reply(change: Any = None) -> tuple[dict[str, Any], dict[str, Any]]:
    raw = json.loads(EXAMPLE_LEDGER.read_text("utf-8"))
    customer = next(iter(raw["customers"]))
    if change is not None:
        change(raw["customers"][customer])
    letter = schemas.example("letter.bank_format2.v2024")
    reply = answer("bank_format2", letter, customer_uscc=customer, ledger=Ledger.from_dict(raw),
                   letter_sha256="a" * 64, replied_on=date(2026, 1, 9))
    return letter, reply


def test_the_binding_survives_the_keywords_round_trip() -> None:
    data = {"b": "甲", "a": [1, "2.50"]}
    words = binding_keywords("MC 2025/01", "f" * 64, data_sha256(data))
    assert parse_binding(words) == {"letter_number": "MC 2025/01", "letter_sha256": "f" * 64,
                                    "reply_data_sha256": data_sha256({"a": [1, "2.50"],
                                                                      "b": "甲"})}
    assert parse_binding(None) == {} and parse_binding("other=1") == {}


def test_a_format2_reply_that_agrees_with_the_books_gives_no_exception() -> None:
    letter, reply = format2_reply()
    assert compare_book_values(letter["book_values"], reply["items"]) == []


def test_a_balance_the_bank_reports_differently_is_one_exception_with_its_difference() -> None:
    def lower(customer: dict[str, Any]) -> None:
        row = next(r for r in customer["deposits"]
                   if r["account_number"] == "0200004538000210457")
        row["balance"] = "136000.00"

    letter, reply = format2_reply(lower)
    [e] = compare_book_values(letter["book_values"], reply["items"])
    assert (e.item, e.row, e.field, e.kind) == ("deposits", 1, "balance", "value")
    assert (e.book_value, e.confirmed_value, e.difference) == (
        "136852.40", "136000.00", Decimal("-852.40"))


def test_rows_only_in_the_books_or_only_at_the_bank_are_exceptions() -> None:
    letter, reply = format2_reply()
    books = copy.deepcopy(letter["book_values"])
    extra = books["loans"].pop()  # the bank shows a loan the books lack
    books["deposits"][0]["account_number"] = "0200009999999999999"  # a book row unknown
    found = compare_book_values(books, reply["items"])
    kinds = sorted((e.item, e.kind) for e in found)
    assert kinds == [("deposits", "not_at_bank"), ("deposits", "not_in_letter"),
                     ("loans", "not_in_letter")]
    assert any(e.confirmed_value == {k: v for k, v in extra.items()} for e in found)


@pytest.mark.parametrize(("stated", "wrong"), [("8625413.27", False), ("8625413.270", False),
                                               ("8625000.00", True)])
def test_a_reply_must_quote_the_letter_it_answers(stated: str, wrong: bool) -> None:
    letter = schemas.example("letter.bank_format1.v2024")
    difference = {"item": "deposits", "row": 0, "field": "balance", "kind": "value",
                  "stated": stated, "confirmed": "1.00"}
    assert bool(stated_mismatches(letter, [difference])) is wrong
