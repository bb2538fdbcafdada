"""统一社会信用代码 (GB 32100-2015): format and check-digit validation."""

from __future__ import annotations

import re

from hub.domain.errors import InvalidUSCC

# GB 32100 alphabet: digits and upper-case letters without I, O, Z, S, V.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$", re.ASCII)


def check_character(first17: str) -> str:
    """Return the check character for the first 17 characters of a code."""
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate_uscc(code: str, *, field: str = "uscc") -> str:
    """Return the code if it is a well-formed 统一社会信用代码, else raise InvalidUSCC."""
    if not isinstance(code, str) or len(code) != 18:
        raise InvalidUSCC("统一社会信用代码 must be 18 characters", field=field)
    if not _SHAPE.match(code):
        raise InvalidUSCC(
            "统一社会信用代码 has a character outside the GB 32100 alphabet", field=field
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        raise InvalidUSCC(
            f"统一社会信用代码 check digit is {code[17]!r}, expected {expected!r}", field=field
        )
    return code


def make_uscc(first17: str) -> str:
    """Complete 17 characters with their check character (for fixtures and demos)."""
    return first17 + check_character(first17)
