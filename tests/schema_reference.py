"""The schema walks worked out afresh at every value: the references the cached walks of
`schemas._walk` are tested and benchmarked against (kept out of the package)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from schemas._walk import Applied, _money_pattern, child, is_def, pointer, root


def money_values_uncached(name: str, instance: Any) -> list[tuple[str, Decimal, str | None]]:
    """money_values() working out what applies afresh at every value: the reference."""
    money = _money_pattern()
    out: list[tuple[str, Decimal, str | None]] = []

    def walk(applied: Applied, value: Any, path: list[str | int], row: Any) -> None:
        if not applied:
            return
        if isinstance(value, str) and money.match(value) and is_def(applied, "money"):
            currency = row.get("currency") if isinstance(row, dict) else None
            out.append((pointer(path), Decimal(value), currency if isinstance(currency, str)
                        else None))
        elif isinstance(value, dict):
            for key, member in value.items():
                walk(child(applied, key, member), member, [*path, key], value)
        elif isinstance(value, list):
            for index, member in enumerate(value):
                walk(child(applied, index, member), member, [*path, index], value)

    walk(root(name, instance), instance, [], None)
    return out
