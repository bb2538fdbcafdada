"""The rules of text at every edge: control characters refused on the way in, made inert on the
way out (XLSX, CSV). Pure: the edges apply them."""

from __future__ import annotations

import re

REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Control characters no field of ours holds (C0 but tab, LF and CR; DEL). PostgreSQL refuses
NUL in text, and XML 1.0 (XLSX, the letters' XMP) refuses the rest of C0."""

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""How a cell starts that a spreadsheet would read as a formula (OWASP's CSV injection list)."""

REPLACEMENT = "\ufffd"


def refused_at(text: str) -> int | None:
    """Where the first refused control character sits in `text`, or None."""
    found = REFUSED.search(text)
    return found.start() if found else None


def describe(text: str) -> str:
    """A message naming the first refused control character of `text`."""
    at = refused_at(text) or 0
    return (f"control character U+{ord(text[at]):04X} at position {at + 1} is not allowed "
            "(only tab, line feed and carriage return are)")


def is_ascii_digits(text: str) -> bool:
    """0-9 only: str.isdigit() also accepts '¹' or '٣', which int() then refuses."""
    return text.isascii() and text.isdigit()


def inert(text: str) -> str:
    """Text from outside (a bank's or a webhook's answer) made fit to keep: each refused
    control character becomes U+FFFD, so quoting it in a reason, the history or a parked row
    can never fail to store (PostgreSQL refuses NUL in text and in JSON)."""
    return REFUSED.sub(REPLACEMENT, text)


def spreadsheet_text(text: str) -> str:
    """Text for a spreadsheet cell (XLSX or CSV): characters XML 1.0 forbids become U+FFFD,
    and text a spreadsheet would run as a formula gets a leading apostrophe."""
    clean = _NOT_XML.sub(REPLACEMENT, text)
    return "'" + clean if clean.startswith(FORMULA_START) else clean
