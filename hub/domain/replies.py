"""Replies (回函): how a reply is bound to its letter, and the exceptions its data gives."""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote, unquote

_KEYS = ("letter_number", "letter_sha256", "reply_data_sha256")


def data_sha256(data: Mapping[str, Any]) -> str:
    """SHA-256 of the reply's structured data in canonical form (sorted keys, no spaces)."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def binding_keywords(letter_number: str, letter_sha256: str, reply_data_sha256: str) -> str:
    """The reply PDF's Keywords entry, covered by the bank's signature: which letter it
    answers and which structured data goes with it."""
    values = (letter_number, letter_sha256, reply_data_sha256)
    return " ".join(f"{k}={quote(v, safe='')}" for k, v in zip(_KEYS, values, strict=True))


def parse_binding(keywords: str | None) -> dict[str, str]:
    """The binding read back from a Keywords entry ({} when there is none)."""
    out: dict[str, str] = {}
    for part in (keywords or "").split():
        key, sep, value = part.partition("=")
        if sep and key in _KEYS:
            out[key] = unquote(value)
    return out


class ReplyStatus(enum.StrEnum):
    RECEIVED = "received"  # stored; its checks are queued
    ACCEPTED = "accepted"
    REJECTED = "rejected"  # kept as evidence with the reason; never silently dropped


@dataclass(frozen=True)
class Reply:
    id: str
    confirmation_id: str
    sha256: str  # of the signed PDF
    received_at: datetime
    received_by: str
    status: ReplyStatus = ReplyStatus.RECEIVED
    data: dict[str, Any] | None = None
    reason: str | None = None
    signer: str | None = None
    signer_sha256: str | None = None
    checked_at: datetime | None = None
    checks: dict[str, bool] | None = None
    """Which checks held once it was checked: CHECKS (None before, or for replies the hub
    sealed itself)."""


CHECKS = ("signature_valid", "certificate_registered", "bound_to_letter")
"""A reply counts only if its signature is valid and intact, its certificate is registered
for the responder, and it is bound to the letter (number, SHA-256, signed data)."""


@dataclass(frozen=True)
class ReplyException:
    """One difference between the books and what the responder confirmed (函证差异)."""

    item: str
    row: int | None
    field: str | None
    kind: str
    book_value: Any
    confirmed_value: Any
    difference: Decimal | None
    explanation: str

    def difference_text(self) -> str | None:
        """The difference with as many decimal places as the figures it was computed from."""
        if self.difference is None:
            return None
        places = max((len(g.partition(".")[2]) for g in (self.book_value, self.confirmed_value)
                      if isinstance(g, str)), default=2)
        return str(self.difference.quantize(Decimal(1).scaleb(-places)))


def _money(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def exceptions_from_differences(differences: list[Mapping[str, Any]]) -> list[ReplyException]:
    """格式一 and 验资: every difference the bank listed, with the amount it is off by."""
    out = []
    for d in differences:
        stated = d.get("stated")
        confirmed = d.get("confirmed") if d.get("confirmed") is not None else d.get("bank_row")
        a, b = _money(stated), _money(confirmed)
        out.append(ReplyException(
            item=str(d["item"]), row=d.get("row"), field=d.get("field"), kind=str(d["kind"]),
            book_value=stated, confirmed_value=confirmed,
            difference=(b - a) if a is not None and b is not None else None,
            explanation=str(d.get("explanation", "")),
        ))
    return out


def stated_mismatches(letter: Mapping[str, Any], differences: list[Mapping[str, Any]]
                      ) -> list[str]:
    """Differences whose "stated" value is not what the letter says: a bank must quote the
    letter it answers, so such a reply is not about this letter's figures."""
    wrong = []
    for d in differences:
        if d.get("kind") != "value" or d.get("row") is None or not d.get("field"):
            continue
        rows = _rows(letter, str(d["item"]))
        row = d["row"]
        if not isinstance(row, int) or not 0 <= row < len(rows):
            wrong.append(f"{d['item']} row {row}: the letter has no such row")
            continue
        value: Any = rows[row]
        for part in str(d["field"]).split("/"):
            value = value.get(part) if isinstance(value, Mapping) else None
        if _same(value, d.get("stated")):
            continue
        wrong.append(f"{d['item']} row {row} {d['field']}: the reply quotes "
                     f"{d.get('stated')!r}, the letter says {value!r}")
    return wrong


def _rows(letter: Mapping[str, Any], item: str) -> list[Any]:
    if item == "contributions":
        return list(letter.get("contributions", []))
    if item == "cash_pool":
        node: Any = letter.get("cash_pool", {})
    else:
        node = letter.get("items", {})
        for part in item.split("/"):
            node = node.get(part, {}) if isinstance(node, Mapping) else {}
    return list(node.get("rows", [])) if isinstance(node, Mapping) else []


def _same(a: Any, b: Any) -> bool:
    x, y = _money(a), _money(b)
    if x is not None and y is not None and not isinstance(a, bool):
        return x == y
    return bool(a == b)


# 格式二: the bank fills the items; the firm's book values (never sent) are compared here.
_IDENTITY: dict[str, tuple[str, ...]] = {
    "deposits": ("account_number", "currency"),
    "loans": ("loan_account_number", "currency"),
    "closed_accounts": ("account_number", "currency"),
    "entrusted_loans_as_principal": ("account_or_loan_number", "currency"),
    "entrusted_loans_as_borrower": ("account_or_loan_number", "currency"),
    "guarantees_for_others_to_bank": ("guaranteed_party", "guarantee_type", "currency"),
    "guarantees_by_bank_for_company": ("guaranteed_party", "guarantee_type", "currency"),
    "acceptance_bills": ("bill_number",),
    "discounted_bills": ("bill_number",),
    "collection_bills": ("bill_number",),
    "letters_of_credit": ("lc_number",),
    "fx_contracts": ("contract_number",),
    "custody_securities": ("code",),
    "wealth_products": ("product_name", "currency"),
    "cash_pool": ("provider_account_number", "user_account_number", "currency"),
}
_NOT_COMPARED = frozenset({"remarks", "seq"})


def _filled_rows(items: Mapping[str, Any], table: str) -> list[Mapping[str, Any]]:
    """The rows the bank filled for a book-values table name (guarantees are two tables)."""
    if table.startswith("guarantees_"):
        node = items.get("guarantees", {})
        node = node.get(table.removeprefix("guarantees_"), {}) if isinstance(node, Mapping) \
            else {}
    else:
        node = items.get(table, {})
    rows = node.get("rows", []) if isinstance(node, Mapping) else []
    return [r for r in rows if isinstance(r, Mapping)]


def _identity(table: str, row: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(row.get(k) for k in _IDENTITY.get(table, ()))


def compare_book_values(book_values: Mapping[str, Any], items: Mapping[str, Any]
                        ) -> list[ReplyException]:
    """Every difference between the firm's book rows and the rows the bank filled in: a
    field that differs, a book row the bank does not have, a bank row missing from the books.
    Only the tables the firm gave book values for are compared."""
    out: list[ReplyException] = []
    for table, book_rows in book_values.items():
        if not isinstance(book_rows, list):
            continue
        bank_rows = _filled_rows(items, table)
        unmatched = list(range(len(bank_rows)))
        for index, book in enumerate(book_rows):
            key = _identity(table, book)
            match = next((j for j in unmatched if _identity(table, bank_rows[j]) == key), None)
            if match is None:
                out.append(ReplyException(
                    item=table, row=index, field=None, kind="not_at_bank", book_value=dict(book),
                    confirmed_value=None, difference=None,
                    explanation=f"账面第 {index + 1} 行（{_shown(key)}）银行回函未列示"))
                continue
            unmatched.remove(match)
            bank = bank_rows[match]
            for name in sorted((set(book) | set(bank)) - _NOT_COMPARED):
                a, b = book.get(name), bank.get(name)
                if _same(a, b) or (a is None and b in (None, "", [], {})):
                    continue
                x, y = _money(a), _money(b)
                out.append(ReplyException(
                    item=table, row=index, field=name, kind="value", book_value=a,
                    confirmed_value=b,
                    difference=(y - x) if x is not None and y is not None
                    and not isinstance(a, bool) else None,
                    explanation=f"账面第 {index + 1} 行（{_shown(key)}）与银行填列不符：账面为 "
                                f"{a}，银行回函为 {b}"))
        for j in unmatched:
            shown = _shown(_identity(table, bank_rows[j]))
            out.append(ReplyException(
                item=table, row=None, field=None, kind="not_in_letter", book_value=None,
                confirmed_value=dict(bank_rows[j]), difference=None,
                explanation=f"银行回函列示而账面未列示（{shown}）"))
    return out


def _shown(key: tuple[Any, ...]) -> str:
    return "、".join(str(k) for k in key if k is not None)
