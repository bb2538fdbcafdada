"""A faster reader of PDF hex strings for pyHanko, which reads them one byte at a time: a
signature's /Contents holds tens of thousands of hex digits, and parsing them cost about
70 ms per signature on every validation. Same results, same stream position, same errors
(anything unusual is left to pyHanko's own reader)."""

from __future__ import annotations

import binascii
import os
import re
from typing import Any

from pyhanko.pdf_utils import generic, misc

_HEX = re.compile(rb"[0-9A-Fa-f]*")
_CHUNK = 1 << 16
_original = generic.read_hex_string_from_stream


def read_hex_string(stream: Any) -> Any:
    """generic.read_hex_string_from_stream, reading the string in blocks."""
    start = stream.tell()
    stream.read(1)  # the opening "<"
    parts = []
    while block := stream.read(_CHUNK):
        end = block.find(b">")
        if end < 0:
            parts.append(block)
            continue
        parts.append(block[:end])
        stream.seek(end + 1 - len(block), os.SEEK_CUR)  # just after the ">"
        digits = b"".join(parts).translate(None, misc.PDF_WHITESPACE)
        if not _HEX.fullmatch(digits):  # a comment, a stray token: pyHanko decides
            break
        if len(digits) % 2:
            digits += b"0"
        return generic.pdf_string(binascii.unhexlify(digits))
    stream.seek(start)
    return _original(stream)


def install() -> None:
    """Make pyHanko's object reader use `read_hex_string` (idempotent)."""
    generic.read_hex_string_from_stream = read_hex_string
