"""Checking a ledger's JSON form, so every fault is named by its JSON path."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

import schemas
from adapters.bank_sim._tables import CAPITAL, CONTRIBUTIONS, FORMAT2, ROW_TABLES
from adapters.bank_sim.errors import LedgerInvalid
from hub.domain.errors import InvalidUSCC, ValidationFailed
from hub.domain.uscc import validate_uscc

_TOP = {"description", "bank", "customers"}
_BANK = {"name", "uscc", "bank_code", "handled_by", "reviewed_by"}
_STAFF = {"name", "title", "phone"}
_CUSTOMER = {"name", "other", CONTRIBUTIONS, *ROW_TABLES}
_BANK_CODE = re.compile(r"[0-9]{12}", re.ASCII)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def metadata_fields(table: str) -> tuple[str, ...]:
    """The ledger-only fields of a row of `table`: the dates between which it is reported.

    A closed account's `closed_on` is a field of the letter's row, and a contribution is
    dated by `paid_on`: neither takes more.
    """
    return () if table in ("closed_accounts", CONTRIBUTIONS) else ("opened_on", "closed_on")


def pointer(*parts: str | int) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _fail(where: str, message: str) -> LedgerInvalid:
    return LedgerInvalid(f"{where or '/'}: {message}", field=where)


def _object(value: Any, where: str, allowed: set[str], required: set[str]) -> None:
    if not isinstance(value, dict):
        raise _fail(where, "must be an object")
    for key in value:
        if key not in allowed:
            raise _fail(pointer_join(where, key),
                        f"unknown field {key!r}; allowed: {', '.join(sorted(allowed))}")
    missing = sorted(required - set(value))
    if missing:
        raise _fail(pointer_join(where, missing[0]), "is required")


def pointer_join(where: str, key: str | int) -> str:
    return where + pointer(key)


def _text(value: Any, where: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, "must be a non-blank string")


def check_top(data: Any) -> None:
    """Raise LedgerInvalid naming the first fault of a ledger's JSON form."""
    _object(data, "", _TOP, _TOP - {"description"})
    if "description" in data:
        _text(data["description"], "/description")
    _check_bank(data["bank"])
    customers = data["customers"]
    if not isinstance(customers, dict):
        raise _fail("/customers", "must be an object keyed by 统一社会信用代码")
    for uscc, customer in customers.items():
        _check_customer(uscc, customer)


def _check_bank(bank: Any) -> None:
    _object(bank, "/bank", _BANK, _BANK)
    _text(bank["name"], "/bank/name")
    _uscc(bank["uscc"], "/bank/uscc")
    if not isinstance(bank["bank_code"], str) or not _BANK_CODE.fullmatch(bank["bank_code"]):
        raise _fail("/bank/bank_code", "must be the 12-digit CNAPS bank code")
    for role in ("handled_by", "reviewed_by"):
        _object(bank[role], f"/bank/{role}", _STAFF, _STAFF)
        for key in sorted(_STAFF):
            _text(bank[role][key], f"/bank/{role}/{key}")


def _uscc(value: Any, where: str) -> None:
    try:
        validate_uscc(value)
    except InvalidUSCC as e:
        raise _fail(where, e.message) from e


def _check_customer(uscc: str, customer: Any) -> None:
    where = pointer("customers", uscc)
    _uscc(uscc, where)
    _object(customer, where, _CUSTOMER, {"name"})
    _text(customer["name"], f"{where}/name")
    if "other" in customer:
        _text(customer["other"], f"{where}/other")
    for table in (*ROW_TABLES, CONTRIBUTIONS):
        rows = customer.get(table, [])
        if not isinstance(rows, list):
            raise _fail(f"{where}/{table}", "must be an array of rows")
        for index, row in enumerate(rows):
            if isinstance(row, dict):
                _check_dates(row, metadata_fields(table), f"{where}/{table}/{index}")
    _check_rows(uscc, customer)


def _check_dates(row: Mapping[str, Any], meta: tuple[str, ...], where: str) -> None:
    found: dict[str, date] = {}
    for key in meta:
        if key not in row:
            continue
        value = row[key]
        try:
            if not isinstance(value, str) or not _DATE.fullmatch(value):
                raise ValueError
            found[key] = date.fromisoformat(value)
        except ValueError:
            message = f"must be a real date YYYY-MM-DD (got {value!r})"
            raise _fail(f"{where}/{key}", message) from None
    if "opened_on" in found and "closed_on" in found and found["closed_on"] < found["opened_on"]:
        raise _fail(f"{where}/closed_on", "is before opened_on")


def _without(rows: list[Any], meta: tuple[str, ...]) -> list[Any]:
    return [{k: v for k, v in r.items() if k not in meta} if isinstance(r, dict) else r
            for r in rows]


def _check_rows(uscc: str, customer: Mapping[str, Any]) -> None:
    """Check each row against the letter schemas, carried in a valid letter of their kind.

    Format 2's book_values holds rows of every table with the fields of format 1, and the
    capital letter holds contributions: the very rules a letter's rows obey.
    """
    where = pointer("customers", uscc)
    book = {t: _without(customer[t], metadata_fields(t)) for t in ROW_TABLES if customer.get(t)}
    carrier = schemas.example(FORMAT2)
    carrier["book_values"] = book
    _validate_in(FORMAT2, carrier, "/book_values", where)
    if customer.get(CONTRIBUTIONS):
        carrier = schemas.example(CAPITAL)
        carrier[CONTRIBUTIONS] = customer[CONTRIBUTIONS]
        _validate_in(CAPITAL, carrier, f"/{CONTRIBUTIONS}", f"{where}/{CONTRIBUTIONS}")


def _validate_in(name: str, carrier: Any, inside: str, where: str) -> None:
    try:
        schemas.validate(name, carrier)
    except ValidationFailed as e:
        errors = [{"field": where + err["field"].removeprefix(inside), "message": err["message"]}
                  for err in e.errors]
        first = errors[0]
        message = f"{first['field']}: {first['message']}"
        if len(errors) > 1:
            message = f"{len(errors)} problems in the ledger; the first: {message}"
        raise LedgerInvalid(message, field=first["field"], errors=errors) from e
