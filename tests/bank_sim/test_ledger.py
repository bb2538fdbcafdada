"""The ledger: loading, the as-of rules, unknown customers and faults named by JSON path."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from adapters.bank_sim import EXAMPLE_LEDGER, Ledger, LedgerInvalid, UnknownCustomer
from hub.domain.uscc import make_uscc
from tests.bank_sim.support import BANK, CUSTOMER, ledger, raw_ledger, records

WHERE = f"/customers/{CUSTOMER}"


def numbers(rows: list[dict[str, Any]], key: str = "account_number") -> list[str]:
    return [r[key] for r in rows]


def test_the_example_ledger_is_the_bank_of_the_schema_examples() -> None:
    bank = Ledger.load(EXAMPLE_LEDGER)
    assert (bank.bank.name, bank.bank.uscc) == ("京华商业银行股份有限公司北京分行", BANK)
    assert len(bank.bank.bank_code) == 12 and bank.bank.bank_code.isdigit()
    assert bank.customer(CUSTOMER).name == "北京堃喆昇科技有限公司"
    assert CUSTOMER in bank and BANK not in bank


def test_an_unknown_customer_is_a_clear_error() -> None:
    other = make_uscc("91110108MA01WQ8N5")
    with pytest.raises(UnknownCustomer) as caught:
        ledger().customer(other)
    assert caught.value.uscc == other and other in caught.value.message
    assert caught.value.code == "unknown_customer"


def test_accounts_are_reported_as_of_a_date() -> None:
    customer = ledger().customer(CUSTOMER)
    at_year_end = numbers(customer.rows("deposits", date(2025, 12, 31)))
    assert at_year_end == ["0200004509200178866", "0200004514000093512",
                           "0200004538000210457", "0200004509200265133"]
    # Closed on 2025-04-28; the time deposit opened on 2025-06-18; one opened in 2026.
    assert "0200004509200112740" in numbers(customer.rows("deposits", date(2025, 4, 27)))
    assert "0200004509200112740" not in numbers(customer.rows("deposits", date(2025, 4, 28)))
    assert "0200004514000093512" not in numbers(customer.rows("deposits", date(2025, 6, 17)))
    assert "0200004509200301276" in numbers(customer.rows("deposits", date(2026, 1, 8)))
    loans = customer.rows("loans", date(2025, 12, 31))
    assert numbers(loans, "loan_account_number") == ["0200004527100031880",
                                                     "0200004527100044215"]


def test_rows_come_without_the_ledgers_own_dates_and_as_copies() -> None:
    customer = ledger().customer(CUSTOMER)
    rows = customer.rows("deposits", date(2025, 12, 31))
    assert not any({"opened_on", "closed_on"} & set(r) for r in rows)
    rows[0]["balance"] = "0.00"
    assert customer.rows("deposits", date(2025, 12, 31))[0]["balance"] == "8625413.27"


def test_closed_accounts_are_those_listed_and_the_deposits_closed_in_the_period() -> None:
    raw = raw_ledger()
    records(raw)["closed_accounts"] = [
        {"account_name": "北京堃喆昇科技有限公司", "account_number": "0200004509200100231",
         "currency": "CNY", "closed_on": "2025-10-09"},
        {"account_name": "北京堃喆昇科技有限公司", "account_number": "0200004509200112740",
         "currency": "CNY", "closed_on": "2025-04-28"},  # also a closed deposit: once only
    ]
    customer = ledger(raw).customer(CUSTOMER)
    closed = customer.closed_accounts(date(2025, 1, 1), date(2025, 12, 31))
    assert [(r["account_number"], r["closed_on"]) for r in closed] == [
        ("0200004509200112740", "2025-04-28"), ("0200004509200100231", "2025-10-09")]
    assert customer.closed_accounts(date(2025, 5, 1), date(2025, 9, 30)) == []


def test_a_fee_account_is_an_open_deposit_account() -> None:
    customer = ledger().customer(CUSTOMER)
    assert customer.open_account("0200004509200178866") is not None
    assert customer.open_account("0200004509200112740") is None  # closed
    assert customer.open_account("0200004527100031880") is None  # a loan


def _broken(change: Any) -> LedgerInvalid:
    raw = raw_ledger()
    change(raw)
    with pytest.raises(LedgerInvalid) as caught:
        Ledger.from_dict(raw)
    return caught.value


def _set(path: list[Any], value: Any) -> Any:
    def change(raw: dict[str, Any]) -> None:
        node = raw
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return change


def _drop(path: list[Any]) -> Any:
    def change(raw: dict[str, Any]) -> None:
        node = raw
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
    return change


C = ["customers", CUSTOMER]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (_set([*C, "loans", 1, "currency"], "RMB"), f"{WHERE}/loans/1/currency", "ISO 4217"),
        (_set([*C, "deposits", 2, "balance"], "12.345"), f"{WHERE}/deposits/2/balance",
         "at most 2 decimals"),
        (_drop([*C, "contributions", 1, "amount"]), f"{WHERE}/contributions/1/amount",
         "required"),
        (_set([*C, "deposits", 0, "restriction"], {"restricted": True}),
         f"{WHERE}/deposits/0/restriction/details", "required"),
        (_set([*C, "deposits", 2, "opened_on"], "2025-02-30"), f"{WHERE}/deposits/2/opened_on",
         "real date"),
        (_set([*C, "deposits", 0, "closed_on"], "2016-01-01"), f"{WHERE}/deposits/0/closed_on",
         "before opened_on"),
        (_set([*C, "closed_accounts"], [{"account_name": "x", "account_number": "1",
                                         "currency": "CNY", "closed_on": "2025-01-02",
                                         "opened_on": "2020-01-01"}]),
         f"{WHERE}/closed_accounts/0/opened_on", "unknown field"),
        (_set([*C, "surprise"], []), f"{WHERE}/surprise", "unknown field"),
        (_set([*C, "loans"], {}), f"{WHERE}/loans", "array"),
        (_set([*C, "other"], "  "), f"{WHERE}/other", "non-blank"),
        (_drop([*C, "name"]), f"{WHERE}/name", "required"),
        (_set(["bank", "bank_code"], "31310001201"), "/bank/bank_code", "12-digit"),
        (_set(["bank", "uscc"], "91110000MA00BK7Q0H"), "/bank/uscc", "check digit"),
        (_drop(["bank", "reviewed_by"]), "/bank/reviewed_by", "required"),
        (_set(["customers"], []), "/customers", "object"),
    ],
)
def test_a_malformed_ledger_names_the_json_path_at_fault(change: Any, field: str,
                                                          words: str) -> None:
    error = _broken(change)
    assert error.field == field
    assert field in error.message and words in error.message
    assert error.code == "ledger_invalid"


def test_a_customer_key_with_a_wrong_check_digit_is_named() -> None:
    def change(raw: dict[str, Any]) -> None:
        raw["customers"]["91110108MA01C7XK3Y"] = raw["customers"].pop(CUSTOMER)
    assert _broken(change).field == "/customers/91110108MA01C7XK3Y"


def test_every_fault_of_the_rows_is_listed() -> None:
    def change(raw: dict[str, Any]) -> None:
        records(raw)["loans"][0]["currency"] = "RMB"
        records(raw)["wealth_products"][0]["units"] = "-1"
    error = _broken(change)
    assert [e["field"] for e in error.errors] == [f"{WHERE}/loans/0/currency",
                                                  f"{WHERE}/wealth_products/0/units"]


def test_a_file_with_an_amount_as_a_json_number_names_the_file_and_the_path(
        tmp_path: Path) -> None:
    path = tmp_path / "ledger.json"
    text = EXAMPLE_LEDGER.read_text(encoding="utf-8")
    path.write_text(text.replace('"balance": "136852.40"', '"balance": 136852.40'),
                    encoding="utf-8")
    with pytest.raises(LedgerInvalid) as caught:
        Ledger.load(path)
    assert caught.value.field == f"{WHERE}/deposits/2/balance"
    assert str(path) in caught.value.message and "not a JSON number" in caught.value.message


def test_a_file_with_a_duplicated_key_names_it(tmp_path: Path) -> None:
    path = tmp_path / "ledger.json"
    text = EXAMPLE_LEDGER.read_text(encoding="utf-8")
    path.write_text(text.replace('"bank_code": "313100012018"',
                                 '"bank_code": "313100012018", "bank_code": "313100012019"'),
                    encoding="utf-8")
    with pytest.raises(LedgerInvalid) as caught:
        Ledger.load(path)
    assert caught.value.field == "/bank/bank_code" and "more than once" in caught.value.message


@pytest.mark.parametrize("content", [b"{", b"\xff", b"[]"])
def test_a_file_that_is_no_ledger_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "ledger.json"
    path.write_bytes(content)
    with pytest.raises(LedgerInvalid) as caught:
        Ledger.load(path)
    assert caught.value.field == "" and str(path) in caught.value.message


def test_a_missing_file_is_refused_with_its_name(tmp_path: Path) -> None:
    with pytest.raises(LedgerInvalid, match=r"missing\.json"):
        Ledger.load(tmp_path / "missing.json")


def test_the_example_file_is_plain_json_with_the_letters_fields() -> None:
    data = json.loads(EXAMPLE_LEDGER.read_text(encoding="utf-8"))
    assert set(data) == {"description", "bank", "customers"}
    assert set(data["customers"]) == {CUSTOMER}
