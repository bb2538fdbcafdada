"""Confirmation letters as PDF (fpdf2): the standard layouts, in the packaged CJK font."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from hub.documents._errors import RenderError, UnknownLetterType, UnprintableCharacter
from hub.documents._render import LETTER_TYPES, RenderedLetter, SignatureBox, layout, render

__all__ = [
    "LETTER_TYPES",
    "RenderError",
    "RenderedLetter",
    "SignatureBox",
    "UnknownLetterType",
    "UnprintableCharacter",
    "check_letter",
    "render_letter",
    "render_letter_document",
]


def render_letter(letter_type: str, letter: Mapping[str, Any], *,
                  client_name: str | None = None, created_at: datetime | None = None,
                  pointer_prefix: str = "/letter") -> bytes:
    """The letter as a PDF.

    `letter` is the letter JSON as the API stores it (the request's `letter` member) and
    `letter_type` its type (`bank_format1`, `bank_format2`, `bank_capital`,
    `company_receivable`, `company_payable`). `client_name` is the audited entity, printed at
    its seal area. `created_at` fixes the document date, which makes the output reproducible.
    Raises UnprintableCharacter (a RenderError, a ValidationFailed) whose `field` is the JSON
    pointer of the value, `pointer_prefix` + the pointer inside the letter.
    Pure and CPU-bound: run it in a worker thread or process, not on the event loop.
    """
    return render(letter_type, letter, client_name=client_name, created_at=created_at,
                  pointer_prefix=pointer_prefix).pdf


def render_letter_document(letter_type: str, letter: Mapping[str, Any], *,
                           client_name: str | None = None, created_at: datetime | None = None,
                           pointer_prefix: str = "/letter") -> RenderedLetter:
    """As `render_letter`, with the page count and the empty seal areas for signing."""
    return render(letter_type, letter, client_name=client_name, created_at=created_at,
                  pointer_prefix=pointer_prefix)


def check_letter(letter_type: str, letter: Mapping[str, Any], *,
                 client_name: str | None = None, pointer_prefix: str = "/letter") -> None:
    """Raises what `render_letter` would for this letter, without making the PDF (a few ms):
    lets the API refuse an unprintable value when the request comes in."""
    layout(letter_type, letter, client_name=client_name, pointer_prefix=pointer_prefix)
