"""Confirmation letters, bank replies and reply workpapers as PDF (fpdf2), packaged CJK font."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from hub.documents._control_sheet import render_control_sheet
from hub.documents._errors import RenderError, UnknownLetterType, UnprintableCharacter
from hub.documents._manifest_seal import render_manifest_seal
from hub.documents._portal_reply import render_portal_reply
from hub.documents._render import (
    LETTER_TYPES,
    RenderedLetter,
    SignatureBox,
    draw,
    layout,
    render,
)
from hub.documents._reply import layout_reply
from hub.documents._workpaper import render_workpaper, render_workpaper_document
from hub.domain.replies import binding_keywords, data_sha256

__all__ = [
    "LETTER_TYPES",
    "RenderError",
    "RenderedLetter",
    "SignatureBox",
    "UnknownLetterType",
    "UnprintableCharacter",
    "check_letter",
    "render_control_sheet",
    "render_letter",
    "render_letter_document",
    "render_manifest_seal",
    "render_portal_reply",
    "render_reply",
    "render_reply_document",
    "render_workpaper",
    "render_workpaper_document",
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


def render_reply(reply: Mapping[str, Any], *, customer_name: str,
                 created_at: datetime | None = None, pointer_prefix: str = "") -> bytes:
    """A bank's reply (银行询证函回函) as a PDF.

    `reply` is the reply JSON from the bank (`letter_type` one of `bank_format1`,
    `bank_format2`, `bank_capital`); `customer_name` is the audited entity the letter is
    about. Amounts are printed as given, like the letter prints them. Raises
    UnprintableCharacter whose `field` is `pointer_prefix` + the JSON pointer inside the reply
    (or "customer_name"), UnknownLetterType, or RenderError for a conclusion it cannot state.
    Pure and CPU-bound: run it in a worker thread or process, not on the event loop.
    """
    return render_reply_document(reply, customer_name=customer_name, created_at=created_at,
                                 pointer_prefix=pointer_prefix).pdf


def render_reply_document(reply: Mapping[str, Any], *, customer_name: str,
                          created_at: datetime | None = None, pointer_prefix: str = ""
                          ) -> RenderedLetter:
    """As `render_reply`, with the page count and the empty box for the bank's electronic seal
    on the last page, under the role "responder".

    The PDF's Keywords bind it to the letter it answers and to the structured reply
    (hub.domain.replies.binding_keywords), so the bank's signature covers both.
    """
    info, pages = layout_reply(reply, customer_name=customer_name, pointer_prefix=pointer_prefix)
    keywords = binding_keywords(str(reply.get("letter_number", "")),
                                str(reply.get("letter_sha256", "")), data_sha256(reply))
    return draw(info, pages, created_at=created_at, keywords=keywords)
