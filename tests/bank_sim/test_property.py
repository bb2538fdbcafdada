"""A single field changed on either side is exactly one difference, naming its item, row, field."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.bank_sim.support import brief, ledger, letter, raw_ledger, records, reply

# Where each table's rows are in a format-1 letter, and the field that names a row (a change
# to it makes another record: a row missing at the bank and one missing from the letter).
TABLES = {
    "deposits": (("items", "deposits", "rows"), "account_number"),
    "loans": (("items", "loans", "rows"), "loan_account_number"),
    "closed_accounts": (("items", "closed_accounts", "rows"), "account_number"),
    "guarantees_for_others_to_bank": (
        ("items", "guarantees", "for_others_to_bank", "rows"), "contract_number"),
    "acceptance_bills": (("items", "acceptance_bills", "rows"), "bill_number"),
    "discounted_bills": (("items", "discounted_bills", "rows"), "bill_number"),
    "fx_contracts": (("items", "fx_contracts", "rows"), "contract_number"),
    "wealth_products": (("items", "wealth_products", "rows"), "product_name"),
    "cash_pool": (("cash_pool", "rows"), "provider_account_number"),
}
DECIMALS = {"balance", "interest_rate", "face_amount", "discount_rate", "net_proceeds", "amount",
            "exchange_rate", "units", "net_value", "guarantee_balance"}
NOT_RECORDS = {"remarks", "seq"}


def rows_at(body: dict[str, Any], path: tuple[str, ...]) -> list[dict[str, Any]]:
    node: Any = body
    for key in path:
        node = node[key]
    rows: list[dict[str, Any]] = node
    return rows


def candidates() -> list[tuple[str, int, str]]:
    body = letter("bank_format1")
    found = []
    for table, (path, key) in TABLES.items():
        for index, row in enumerate(rows_at(body, path)):
            found += [(table, index, f) for f in row if f not in NOT_RECORDS | {key}]
    return found


CANDIDATES = candidates()


def changed(name: str, value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if name == "restriction":
        return {"restricted": False} if value["restricted"] else {"restricted": True,
                                                                  "details": "司法冻结"}
    if name in DECIMALS:
        return str(Decimal(value) + 1)
    if name.endswith(("_date", "_on")):
        return (date.fromisoformat(value) + timedelta(days=1)).isoformat()
    if name.endswith("currency"):
        return "EUR" if value != "EUR" else "JPY"
    if name == "product_type":
        return "open_end" if value == "closed_end" else "closed_end"
    if name == "category":  # item 11's two preset 类别 rows
        return ("bank_sells_to_company" if value == "company_sells_to_bank"
                else "company_sells_to_bank")
    return value + "X"


def ledger_row(raw: dict[str, Any], table: str, row: dict[str, Any]) -> dict[str, Any]:
    """The ledger's record of the letter's `row` (without the ledger's own dates)."""
    for record in records(raw)[table]:
        if {k: v for k, v in record.items() if k not in ("opened_on", "closed_on")} == row:
            return dict(record)
    raise AssertionError(f"no record of {row} in {table}")


def test_the_property_covers_every_table_and_kind_of_field() -> None:
    fields = {f for _, _, f in CANDIDATES}
    assert {t for t, _, _ in CANDIDATES} == set(TABLES)
    assert {"balance", "currency", "in_cash_pool", "restriction", "product_type",
            "due_date"} <= fields


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(CANDIDATES), st.booleans())
def test_one_changed_field_is_one_difference(where: tuple[str, int, str],
                                             in_ledger: bool) -> None:
    table, index, name = where
    body, raw = letter("bank_format1"), raw_ledger()
    body["fee_account"] = {"applicable": False}  # a renamed fee account is a reason to return
    row = rows_at(body, TABLES[table][0])[index]
    old, new = row[name], changed(name, row[name])
    if in_ledger and table != "closed_accounts":  # item 3 comes from the closed deposit
        records_of = records(raw)[table]
        position = records_of.index(ledger_row(raw, table, row))
        records_of[position] = {**records_of[position], name: new}
        stated, confirmed = old, new
    else:
        row[name] = new
        stated, confirmed = new, old
    field = name
    if name == "restriction":
        field, stated, confirmed = "restriction/restricted", stated["restricted"], \
            confirmed["restricted"]
    out = reply("bank_format1", body, ledger(raw))
    item = "guarantees/for_others_to_bank" if table == "guarantees_for_others_to_bank" else table
    assert brief(out) == [(item, index, field, "value", stated, confirmed)]
    assert out["conclusion"] == "differences"
