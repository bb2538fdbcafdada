"""Reads the letter JSON for printing: every printed string is checked against the font."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from hub.documents._errors import UnprintableCharacter

DASH = "—"
YES, NO = "是", "否"
_ALLOWED_CONTROLS = frozenset("\n\r\t")


class Source:
    """The letter being printed; `text()` returns a value only after checking it is drawable."""

    def __init__(self, letter: Mapping[str, Any], can_draw: Callable[[int], bool],
                 prefix: str) -> None:
        self.letter = letter
        self._can_draw = can_draw
        self._prefix = prefix

    def check(self, text: str, pointer: str) -> str:
        """`text` itself, or UnprintableCharacter naming the field and the character."""
        if text.isascii() and text.isprintable():
            return text
        can_draw = self._can_draw
        for character in text:
            if not can_draw(ord(character)) and character not in _ALLOWED_CONTROLS:
                raise UnprintableCharacter(self._prefix + pointer, character)
        return text

    def text(self, node: Mapping[str, Any] | None, key: str, at: str,
             default: str = DASH) -> str:
        """The string at `node[key]` (JSON pointer `at/key`), or `default` when absent."""
        value = node.get(key) if node is not None else None
        if value is None or value == "":
            return default
        return self.check(str(value), f"{at}/{key}")

    def choice(self, node: Mapping[str, Any] | None, key: str, at: str,
               labels: Mapping[str, str], default: str = DASH) -> str:
        """An enumerated value shown by its Chinese label."""
        value = node.get(key) if node is not None else None
        if value is None:
            return default
        label = labels.get(str(value))
        return label if label is not None else self.text(node, key, at, default)

    def flag(self, node: Mapping[str, Any] | None, key: str) -> str:
        value = node.get(key) if node is not None else None
        return DASH if value is None else (YES if value else NO)

    def money(self, node: Mapping[str, Any] | None, key: str, at: str,
              default: str = DASH) -> str:
        """An amount as printed: thousands separators, two decimals (8,625,413.27)."""
        value = self.text(node, key, at, default)
        return value if value == default else money(value)

    def percent(self, node: Mapping[str, Any] | None, key: str, at: str) -> str:
        value = self.text(node, key, at)
        return value if value == DASH else f"{value}%"

    def restriction(self, node: Mapping[str, Any] | None, key: str, at: str) -> str:
        """是否存在冻结、担保或其他使用限制: 否, or 是 with the circumstances."""
        value = node.get(key) if node is not None else None
        if not isinstance(value, Mapping):
            return DASH
        if not value.get("restricted"):
            return NO
        details = self.text(value, "details", f"{at}/{key}", default="")
        return f"{YES}：{details}" if details else YES


def money(text: str) -> str:
    """A decimal amount with thousands separators and at least two decimals, as the letters
    write amounts in their text too: 8625413.27 → 8,625,413.27, -52.4 → -52.40 (a value that
    is not a decimal number is left as given)."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return text
    if not value.is_finite():
        return text
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        value = value.quantize(Decimal("0.01"))
    return f"{value:,f}"


def node(value: Any) -> Mapping[str, Any] | None:
    return value if isinstance(value, Mapping) else None


def rows(value: Mapping[str, Any] | None, key: str = "rows"
         ) -> list[tuple[int, Mapping[str, Any]]]:
    """The rows of an item with their indexes (for JSON pointers)."""
    items = value.get(key) if value is not None else None
    if not isinstance(items, Sequence) or isinstance(items, str):
        return []
    return [(i, item) for i, item in enumerate(items) if isinstance(item, Mapping)]


def applicable(value: Mapping[str, Any] | None) -> bool:
    return bool(value is not None and value.get("applicable"))


def chinese_date(iso: str) -> str:
    """2025-12-31 → 2025年12月31日 (left as given when it is not an ISO date)."""
    parts = iso.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return f"{int(parts[0])}年{int(parts[1])}月{int(parts[2])}日"
    return iso
