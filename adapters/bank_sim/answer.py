"""The reference bank's reply to a letter: 格式一 compared, 格式二 and 验资 filled in."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from adapters.bank_sim import _tables as t
from adapters.bank_sim._compare import (
    Difference,
    Row,
    compare_other,
    compare_table,
    not_applicable,
)
from adapters.bank_sim.conformity import ReturnReason, conformity
from adapters.bank_sim.errors import LetterNotConforming
from adapters.bank_sim.ledger import Customer, Ledger

__all__ = ["FORMAT_VERSION", "ReturnReason", "answer", "conformity"]

FORMAT_VERSION = "v1"
"""The reply's format: schemas/reply.bank.v1.json."""

_SHA256 = re.compile(r"[0-9a-f]{64}", re.ASCII)
_NOT_APPLICABLE: Mapping[str, Any] = {"applicable": False}
_SCOPE_FIELD = {"deposits": "account_number", "loans": "loan_account_number"}
"""The field format 2's account_numbers name, per item."""


def answer(letter_type: str, letter: dict[str, Any], *, customer_uscc: str, ledger: Ledger,
           letter_sha256: str, replied_on: date) -> dict[str, Any]:
    """The bank's structured reply (schema reply.bank.v1) to `letter`, as of its 基准日.

    Raises UnknownCustomer if the bank has no such customer, LetterNotConforming with every
    reason if a careful bank would return the letter, ValueError for a malformed SHA-256.
    """
    if not isinstance(letter_sha256, str) or not _SHA256.fullmatch(letter_sha256):
        raise ValueError("letter_sha256 must be the SHA-256 of the letter: 64 lowercase hex")
    customer = ledger.customer(customer_uscc)
    reasons = conformity(letter_type, letter, customer_uscc=customer_uscc, ledger=ledger)
    if reasons:
        raise LetterNotConforming(reasons)
    as_of = date.fromisoformat(letter["as_of_date"])
    items: dict[str, Any] | None = None
    other_matters = ""
    if letter_type == "bank_format1":
        differences = _format1(letter, customer, as_of)
    elif letter_type == "bank_format2":
        items, other_matters = _format2(letter["items"], letter["cash_pool"], customer, as_of)
        differences = []
    else:
        items = {t.CONTRIBUTIONS: customer.contributions_until(as_of)}
        differences = compare_table(t.CONTRIBUTIONS, letter[t.CONTRIBUTIONS],
                                    items[t.CONTRIBUTIONS])
    reply: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "letter_number": letter["letter_number"],
        "letter_sha256": letter_sha256,
        "letter_type": letter_type,
        "as_of_date": letter["as_of_date"],
        "bank": ledger.bank.as_dict(),
        "replied_on": replied_on.isoformat(),
        "conclusion": "differences" if differences else "agreed",
    }
    if items is not None:
        reply["items"] = items
    reply.update(differences=differences, other_matters=other_matters,
                 handled_by=ledger.bank.handled_by.as_dict(),
                 reviewed_by=ledger.bank.reviewed_by.as_dict())
    return reply


def _table(table: str, spec: Mapping[str, Any], bank: list[Row]) -> list[Difference]:
    if spec["applicable"]:
        return compare_table(table, spec["rows"], bank)
    return not_applicable(table, bank)


def _format1(letter: dict[str, Any], customer: Customer, as_of: date) -> list[Difference]:
    """Every difference between the letter's items 1–14 and annex and the bank's records.

    The footer of item 1 states there is no other deposit: rows the letter omits count, and
    so do records of an item it marks not applicable.
    """
    out: list[Difference] = []
    for item in t.ITEMS:
        spec = letter["items"][item]
        if item == "guarantees":
            for sub, table in t.SUBTABLES.items():
                part = spec[sub] if spec["applicable"] else _NOT_APPLICABLE
                out += _table(table, part, customer.rows(table, as_of))
        elif item == t.OTHER:
            out += compare_other(spec["text"] if spec["applicable"] else None, customer.other)
        elif item == "closed_accounts":
            # Not applicable: the firm says no account was closed in the audited period.
            period = spec if spec["applicable"] else {
                "from": letter["audited_period"]["start"], "to": letter["audited_period"]["end"]}
            closed = customer.closed_accounts(date.fromisoformat(period["from"]),
                                              date.fromisoformat(period["to"]))
            out += _table(item, spec, closed)
        else:
            out += _table(item, spec, customer.rows(item, as_of))
    return out + _table("cash_pool", letter["cash_pool"], customer.rows("cash_pool", as_of))


def _format2(items: Mapping[str, Any], cash_pool: Mapping[str, Any], customer: Customer,
             as_of: date) -> tuple[dict[str, Any], str]:
    """The items as the bank fills them within the letter's scope, and notes on that scope."""
    out: dict[str, Any] = {}
    notes: list[str] = []
    for item in (*t.ITEMS, "cash_pool"):
        spec = cash_pool if item == "cash_pool" else items[item]
        if not spec["applicable"]:
            out[item] = {"applicable": False}
        elif item == "guarantees":
            out[item] = {"applicable": True, **{
                sub: {"applicable": True, "rows": customer.rows(table, as_of)}
                for sub, table in t.SUBTABLES.items()}}
        elif item == t.OTHER:
            out[item] = {"applicable": True, **({"text": customer.other} if customer.other else {})}
        elif item == "closed_accounts":
            rows = customer.closed_accounts(date.fromisoformat(spec["from"]),
                                            date.fromisoformat(spec["to"]))
            out[item] = {"applicable": True, "from": spec["from"], "to": spec["to"], "rows": rows}
        else:
            rows = customer.rows(item, as_of)
            if "account_numbers" in spec:
                rows = _scoped(item, rows, spec["account_numbers"], notes)
            out[item] = {"applicable": True, "rows": rows}
    return out, "".join(notes)


def _scoped(item: str, rows: list[Row], numbers: list[str], notes: list[str]) -> list[Row]:
    """The rows of the accounts the letter lists, in its order; a note for each unknown one."""
    name = _SCOPE_FIELD[item]
    out: list[Row] = []
    for number in numbers:
        found = [r for r in rows if r[name] == number]
        if not found:
            notes.append(f"询证函{t.item_title(item)}所列账号 {number} 截至函证基准日"
                         "不是贵公司在本行的账户。")
        out += found
    return out
