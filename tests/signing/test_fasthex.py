"""The faster hex-string reader gives exactly what pyHanko's own gives: value, position, error."""

from __future__ import annotations

from io import BytesIO

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyhanko.pdf_utils.misc import PdfStreamError

from signing._fasthex import _original, read_hex_string


def both(data: bytes) -> tuple[object, object]:
    results = []
    for reader in (_original, read_hex_string):
        stream = BytesIO(data)
        try:
            value: object = reader(stream)
            results.append((type(value), bytes(value) if isinstance(value, bytes) else value,
                            stream.tell()))
        except PdfStreamError as e:
            results.append(("error", type(e)))
    return results[0], results[1]


@pytest.mark.parametrize("data", [
    b"<>", b"<00>", b"<4142>rest", b"<41 42\n43\r\t\x0c\x0044>", b"<abcDEF1>", b"<6>",
    b"<41%comment\n42>", b"<41zz>", b"<4142", b"<", b"<" + b"0" * 200_000 + b">tail",
    b"<" + b"30" * 70_000 + b"\n>",
])
def test_the_same_as_pyhanko_on_chosen_strings(data: bytes) -> None:
    ours, theirs = both(data)
    assert ours == theirs


@given(st.binary(max_size=300), st.binary(max_size=20))
def test_the_same_as_pyhanko_on_any_bytes(body: bytes, tail: bytes) -> None:
    ours, theirs = both(b"<" + body + tail)
    assert ours == theirs


@given(st.lists(st.sampled_from(list(b"0123456789abcdefABCDEF \n\r\t\x0c\x00")), max_size=400))
def test_the_same_as_pyhanko_on_hex_with_whitespace(chars: list[int]) -> None:
    ours, theirs = both(b"<" + bytes(chars) + b">after")
    assert ours == theirs
