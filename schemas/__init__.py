"""JSON Schemas of every HTTP body and message, their examples, and strict validation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from schemas import _store, _validate, _walk
from schemas._json import parse_json

__all__ = [
    "example", "example_names", "load", "money_values", "names", "parse_json", "registry",
    "validate",
]


def names() -> list[str]:
    """Every schema name, e.g. "confirmation_request", "letter.bank_format1.v2024"."""
    return list(_store.names())


def load(name: str) -> dict[str, Any]:
    """A copy of the schema `name`; KeyError names the known ones if there is none."""
    return _store.load(name)


def example_names() -> list[str]:
    """Every example name: the schema names, and e.g. "confirmation_request.bank_format1"."""
    return list(_store.example_names())


def example(name: str) -> Any:
    """A copy of the example `name` (a schema name, or e.g. "confirmation_request.bank_format1")."""
    return _store.example(name)


def registry() -> Any:
    """The `referencing.Registry` holding every schema by its `$id`."""
    return _store.registry()


def validate(name: str, instance: Any) -> None:
    """Raise hub.domain.errors.ValidationFailed listing every fault of `instance`.

    Each entry of `errors` is {"field": JSON pointer of the value at fault, "message": ...};
    they are sorted by field and `field` is the first one.
    """
    _validate.validate(name, instance)


def money_values(name: str, instance: Any) -> list[tuple[str, Decimal, str | None]]:
    """Every amount of a validated instance: (JSON pointer, Decimal, currency of its row)."""
    return _walk.money_values(name, instance)
