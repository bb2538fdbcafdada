"""Helpers for the reference bank's tests: the example ledger, letters and replies."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import schemas
from adapters.bank_sim import EXAMPLE_LEDGER, Ledger, answer

CUSTOMER = "91110108MA01C7XK3X"
"""北京堃喆昇科技有限公司, the audited entity of the schema examples."""
BANK = "91110000MA00BK7Q0G"
SHA = "5d" * 32
REPLIED = date(2026, 1, 14)


def raw_ledger() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE_LEDGER.read_text(encoding="utf-8"))
    return data


def records(raw: dict[str, Any]) -> dict[str, Any]:
    """The example customer's records in a raw ledger, to change them."""
    customer: dict[str, Any] = raw["customers"][CUSTOMER]
    return customer


def ledger(raw: dict[str, Any] | None = None) -> Ledger:
    return Ledger.from_dict(raw if raw is not None else raw_ledger())


def letter(letter_type: str) -> dict[str, Any]:
    example: dict[str, Any] = schemas.example(f"letter.{letter_type}.v2024")
    return example


def reply(letter_type: str, body: dict[str, Any], bank: Ledger | None = None) -> dict[str, Any]:
    """The bank's answer, checked against schemas/reply.bank.v1.json."""
    out = answer(letter_type, body, customer_uscc=CUSTOMER, ledger=bank or ledger(),
                 letter_sha256=SHA, replied_on=REPLIED)
    schemas.validate("reply.bank.v1", out)
    return out


def brief(reply_body: dict[str, Any]) -> list[tuple[Any, ...]]:
    """(item, row, field, kind, stated, confirmed) of each difference."""
    return [(d["item"], d["row"], d["field"], d["kind"], d["stated"], d["confirmed"])
            for d in reply_body["differences"]]
