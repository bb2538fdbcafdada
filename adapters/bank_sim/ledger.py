"""The reference bank's ledger: the bank, its customers by 统一社会信用代码 and their records."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from adapters.bank_sim import _ledger_parse as parse
from adapters.bank_sim._tables import ROW_TABLES
from adapters.bank_sim.errors import LedgerInvalid, UnknownCustomer
from hub.domain.errors import ValidationFailed
from schemas import parse_json

__all__ = ["EXAMPLE_LEDGER", "Bank", "Customer", "Ledger", "Record", "Staff"]

EXAMPLE_LEDGER = Path(__file__).resolve().parent / "data" / "ledger.example.json"
"""A ledger agreeing with the letter examples of schemas/examples (package data)."""


@dataclass(frozen=True)
class Staff:
    """A person of the bank who signs a reply (经办人 or 复核人)."""

    name: str
    title: str
    phone: str

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "title": self.title, "phone": self.phone}


@dataclass(frozen=True)
class Bank:
    """The bank (or branch) answering letters."""

    name: str
    uscc: str
    """统一社会信用代码 of the bank, as letters name it in `responder.uscc`."""
    bank_code: str
    """12-digit CNAPS bank code (支付系统行号)."""
    handled_by: Staff
    reviewed_by: Staff

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "uscc": self.uscc, "bank_code": self.bank_code}


@dataclass(frozen=True)
class Record:
    """One row as a letter shows it, and the dates between which the bank reports it."""

    row: Mapping[str, Any]
    opened_on: date | None = None
    """Not reported as of a date before this one (account opened, loan drawn, bill issued)."""
    closed_on: date | None = None
    """Not reported as of this date or later (account closed, loan repaid, bill paid)."""

    def live_on(self, day: date) -> bool:
        opened = self.opened_on is None or self.opened_on <= day
        return opened and (self.closed_on is None or day < self.closed_on)

    def copy(self) -> dict[str, Any]:
        return copy.deepcopy(dict(self.row))


@dataclass(frozen=True)
class Customer:
    """A customer of the bank and its records, table by table (named as in book_values)."""

    uscc: str
    name: str
    tables: Mapping[str, tuple[Record, ...]] = field(default_factory=dict)
    other: str | None = None
    """What the bank would state under item 14 (其他), if anything."""
    contributions: tuple[Mapping[str, Any], ...] = ()
    """Investors' payments (验资), rows as in the capital verification letter."""

    def rows(self, table: str, as_of: date) -> list[dict[str, Any]]:
        """The rows of `table` the bank reports as of `as_of` (not closed_accounts)."""
        if table == "closed_accounts":
            raise ValueError("closed accounts are asked for a period: use closed_accounts()")
        return [r.copy() for r in self.tables.get(table, ()) if r.live_on(as_of)]

    def closed_accounts(self, start: date, end: date) -> list[dict[str, Any]]:
        """Accounts closed from `start` to `end`: those listed, and deposits closed then."""
        found = [r.copy() for r in self.tables.get("closed_accounts", ())
                 if start <= date.fromisoformat(r.row["closed_on"]) <= end]
        listed = {(r["account_number"], r["currency"]) for r in found}
        for record in self.tables.get("deposits", ()):
            closed, row = record.closed_on, record.row
            if closed is None or not start <= closed <= end:
                continue
            if (row["account_number"], row["currency"]) not in listed:
                found.append({"account_name": row["account_name"],
                              "account_number": row["account_number"],
                              "currency": row["currency"], "closed_on": closed.isoformat()})
        return sorted(found, key=lambda r: (r["closed_on"], r["account_number"]))

    def contributions_until(self, as_of: date) -> list[dict[str, Any]]:
        """The investors' payments received up to `as_of`."""
        return [copy.deepcopy(dict(r)) for r in self.contributions
                if date.fromisoformat(r["paid_on"]) <= as_of]

    def open_account(self, account_number: str) -> dict[str, Any] | None:
        """The deposit account `account_number` if it exists and is not closed."""
        return next((r.copy() for r in self.tables.get("deposits", ())
                     if r.row["account_number"] == account_number and r.closed_on is None),
                    None)


@dataclass(frozen=True)
class Ledger:
    """The bank and its customers by 统一社会信用代码."""

    bank: Bank
    customers: Mapping[str, Customer]

    @classmethod
    def load(cls, path: str | Path) -> Ledger:
        """Read a ledger JSON file; LedgerInvalid names the file and the JSON path at fault."""
        try:
            raw = Path(path).read_bytes()
        except OSError as e:
            raise LedgerInvalid(f"{path}: cannot read the ledger: {e.strerror}", field="") from e
        try:
            return cls.from_dict(parse_json(raw))
        except LedgerInvalid as e:
            raise LedgerInvalid(f"{path}: {e.message}", field=e.field, errors=e.errors) from e
        except ValidationFailed as e:  # from parse_json: not strict JSON
            where = "" if e.field == "body" else e.field
            raise LedgerInvalid(f"{path}: {e.message}", field=where) from e

    @classmethod
    def from_dict(cls, data: Any) -> Ledger:
        """Build a ledger from its JSON form; LedgerInvalid names the JSON path at fault."""
        parse.check_top(data)
        bank = data["bank"]
        return cls(
            bank=Bank(name=bank["name"], uscc=bank["uscc"], bank_code=bank["bank_code"],
                      handled_by=Staff(**bank["handled_by"]),
                      reviewed_by=Staff(**bank["reviewed_by"])),
            customers={uscc: _customer(uscc, c) for uscc, c in data["customers"].items()},
        )

    def customer(self, uscc: str) -> Customer:
        """The customer `uscc`; UnknownCustomer if the bank has none."""
        try:
            return self.customers[uscc]
        except KeyError:
            raise UnknownCustomer(uscc) from None

    def __contains__(self, uscc: object) -> bool:
        return uscc in self.customers


def _customer(uscc: str, data: Mapping[str, Any]) -> Customer:
    tables = {
        table: tuple(_record(table, row) for row in data.get(table, ()))
        for table in ROW_TABLES
    }
    return Customer(uscc=uscc, name=data["name"], tables=tables, other=data.get("other"),
                    contributions=tuple(copy.deepcopy(r) for r in data.get("contributions", ())))


def _record(table: str, row: Mapping[str, Any]) -> Record:
    meta = parse.metadata_fields(table)
    dates = {k: date.fromisoformat(row[k]) for k in meta if k in row}
    return Record(row=copy.deepcopy({k: v for k, v in row.items() if k not in meta}), **dates)
