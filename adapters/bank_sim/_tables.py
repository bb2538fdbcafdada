"""The tables a bank letter asks about: row fields, how each compares, match keys and titles."""

from __future__ import annotations

import functools
from typing import Any

import schemas

FORMAT1 = "letter.bank_format1.v2024"
FORMAT2 = "letter.bank_format2.v2024"
CAPITAL = "letter.bank_capital.v2024"
LETTER_SCHEMAS = {"bank_format1": FORMAT1, "bank_format2": FORMAT2, "bank_capital": CAPITAL}

ITEMS: tuple[str, ...] = (
    "deposits", "loans", "closed_accounts", "entrusted_loans_as_principal",
    "entrusted_loans_as_borrower", "guarantees", "acceptance_bills", "discounted_bills",
    "collection_bills", "letters_of_credit", "fx_contracts", "custody_securities",
    "wealth_products", "other",
)
"""The 14 items of a format-1 or format-2 letter, in the order of the form."""

SUBTABLES = {
    "for_others_to_bank": "guarantees_for_others_to_bank",
    "by_bank_for_company": "guarantees_by_bank_for_company",
}
"""The two sub-tables of item 6, and their flat table names (as format 2's book_values)."""

ITEM_OF = {table: f"guarantees/{sub}" for sub, table in SUBTABLES.items()}
"""How a reply's difference names a table: a guarantee sub-table by its path in `items`."""

ROW_TABLES: tuple[str, ...] = (
    "deposits", "loans", "closed_accounts", "entrusted_loans_as_principal",
    "entrusted_loans_as_borrower", *SUBTABLES.values(), "acceptance_bills", "discounted_bills",
    "collection_bills", "letters_of_credit", "fx_contracts", "custody_securities",
    "wealth_products", "cash_pool",
)
"""Every table of rows of items 1–13 and the cash-pool annex, named as in book_values."""

CONTRIBUTIONS = "contributions"
OTHER = "other"

KEYS: dict[str, tuple[str, ...]] = {
    "deposits": ("account_number", "currency"),
    "loans": ("loan_account_number", "currency"),
    "closed_accounts": ("account_number", "currency"),
    "entrusted_loans_as_principal": ("account_or_loan_number", "currency"),
    "entrusted_loans_as_borrower": ("account_or_loan_number", "currency"),
    "guarantees_for_others_to_bank": ("contract_number", "guaranteed_party"),
    "guarantees_by_bank_for_company": ("contract_number", "guaranteed_party"),
    "acceptance_bills": ("bill_number",),
    "discounted_bills": ("bill_number",),
    "collection_bills": ("bill_number",),
    "letters_of_credit": ("lc_number",),
    "fx_contracts": ("contract_number",),
    "custody_securities": ("code", "name"),
    "wealth_products": ("product_name", "purchase_date"),
    "cash_pool": ("provider_account_number", "user_account_number", "currency"),
    "contributions": ("payer", "account_number", "paid_on", "currency"),
}
"""What identifies a row: rows match on all of it, else on the first field alone if unique."""

NOT_COMPARED = frozenset({"remarks", "seq"})
"""备注 is the firm's or the bank's commentary and 序号 only orders rows: neither is a record."""

DECIMAL_DEFS = frozenset({"money", "rate", "quantity"})
TEXT_DEFS = frozenset({"non_empty_text", "long_text"})


@functools.cache
def _letter(name: str) -> dict[str, Any]:
    return schemas.load(name)


def row_schema(table: str) -> dict[str, Any]:
    """The schema of one row of `table` (a format-1 row definition, or a contribution)."""
    if table == CONTRIBUTIONS:
        row: dict[str, Any] = _letter(CAPITAL)["properties"]["contributions"]["items"]
        return row
    ref = _letter(FORMAT2)["properties"]["book_values"]["properties"][table]["items"]["$ref"]
    definition: dict[str, Any] = _letter(FORMAT1)["$defs"][ref.rsplit("/", 1)[-1]]
    return definition


def fields(table: str) -> tuple[str, ...]:
    """The row's fields in the order of the form."""
    return tuple(row_schema(table)["properties"])


def compared_fields(table: str) -> tuple[str, ...]:
    return tuple(f for f in fields(table) if f not in NOT_COMPARED)


@functools.cache
def is_money(table: str, field: str) -> bool:
    """Whether the field is an amount (common.json's `money`)."""
    prop = row_schema(table)["properties"].get(field, {})
    return str(prop.get("$ref", "")).rsplit("/", 1)[-1] == "money"


def kind(table: str, field: str) -> str:
    """How a field compares: "decimal", "text", "restriction" or "exact"."""
    prop = row_schema(table)["properties"][field]
    defname = str(prop.get("$ref", "")).rsplit("/", 1)[-1]
    if defname in DECIMAL_DEFS:
        return "decimal"
    if defname in TEXT_DEFS:
        return "text"
    if defname == "restriction":
        return "restriction"
    return "exact"


def field_title(table: str, field: str) -> str:
    if field == "restriction/details":
        return "相关情形"
    name = field.split("/", 1)[0]
    title: str = row_schema(table)["properties"][name]["title"]
    return title


@functools.cache
def table_title(table: str) -> str:
    if table == CONTRIBUTIONS:
        title: str = _letter(CAPITAL)["properties"]["contributions"]["title"]
    elif table == OTHER:
        title = _letter(FORMAT1)["properties"]["items"]["properties"][OTHER]["title"]
    else:
        title = _letter(FORMAT2)["properties"]["book_values"]["properties"][table]["title"]
    return title


@functools.cache
def item_title(item: str) -> str:
    """The title of a format-1 item ("2. 银行借款"), or of the cash-pool annex."""
    letter = _letter(FORMAT1)
    node = letter["properties"][item] if item == "cash_pool" else (
        letter["properties"]["items"]["properties"][item]
    )
    title: str = node["title"]
    return title


def _resolve(ref: str, current: str) -> tuple[Any, str]:
    target, _, fragment = ref.partition("#")
    name = target.removesuffix(".json") if target else current
    node: Any = _letter(name)
    for part in fragment.split("/")[1:]:
        node = node[part]
    return node, name


def _expand(node: Any, name: str) -> list[tuple[Any, str]]:
    """`node` and what it applies in place ($ref, allOf, the branches), own title first."""
    if not isinstance(node, dict):
        return []
    out = [(node, name)]
    if isinstance(node.get("$ref"), str):
        out += _expand(*_resolve(node["$ref"], name))
    for sub in (*node.get("allOf", ()), node.get("then"), node.get("else")):
        out += _expand(sub, name)
    return out


def title_at(schema: str, path: tuple[str | int, ...]) -> str | None:
    """The title the schema `schema` gives the value at `path` ("回函地址"), if any."""
    nodes = _expand(_letter(schema), schema)
    for key in path:
        found: list[tuple[Any, str]] = []
        for node, name in nodes:
            sub = node.get("items") if isinstance(key, int) else node.get("properties", {}).get(key)
            found += _expand(sub, name)
        nodes = found
    return next((n["title"] for n, _ in nodes if isinstance(n.get("title"), str)), None)
