"""Renders a letter: lay it out, then draw every page with its running header and footer."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fpdf import FPDF

from hub.documents import _bank, _capital, _company
from hub.documents._common import Letter
from hub.documents._errors import UnknownLetterType
from hub.documents._fields import Source
from hub.documents._layout import (
    BODY,
    MARGIN_X,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    RULE,
    Box,
    Flow,
    Line,
    Measure,
    Op,
    Rect,
    Text,
)
from hub.documents._pdf import draw_text, finish, new_document, shared_font

Builder = Callable[[Flow, Source, str | None], Letter]
BUILDERS: dict[str, Builder] = {
    "bank_format1": _bank.build_format1,
    "bank_format2": _bank.build_format2,
    "bank_capital": _capital.build,
    "company_receivable": _company.build_receivable,
    "company_payable": _company.build_payable,
}
LETTER_TYPES: tuple[str, ...] = tuple(BUILDERS)
HEADER_BASELINE = 40.0
FOOTER_BASELINE = PAGE_HEIGHT - 32.0
CROSS_SEAL_LABEL = "骑缝章"
# The place for the 骑缝章 in the right margin, clear of the text (which ends at the margin):
# the half of a 42 mm seal that lands on each page of a fanned paper letter.
CROSS_SEAL = (PAGE_WIDTH - MARGIN_X + 6.0, (PAGE_HEIGHT - 130.0) / 2, 18.0, 130.0)


@dataclass(frozen=True)
class SignatureBox:
    """An area left empty for a seal or signature appearance, in PDF user space:
    page index from 0, and (x1, y1, x2, y2) in points from the bottom-left corner, as pyHanko's
    `SigFieldSpec(on_page=..., box=...)` takes it."""

    page: int
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class RenderedLetter:
    pdf: bytes
    pages: int
    signature_boxes: Mapping[str, SignatureBox]
    """By role: "client" (the audited entity's authorisation) and "responder" (the reply)."""


def _signature_box(box: Box) -> SignatureBox:
    return SignatureBox(box.page, (round(box.x, 2), round(PAGE_HEIGHT - box.y - box.h, 2),
                                   round(box.x + box.w, 2), round(PAGE_HEIGHT - box.y, 2)))


def layout(letter_type: str, letter: Mapping[str, Any], *, client_name: str | None = None,
           pointer_prefix: str = "/letter") -> tuple[Letter, list[list[Op]]]:
    """Lays the letter out (checking every printed value) without drawing it."""
    builder = BUILDERS.get(str(letter_type))
    if builder is None:
        raise UnknownLetterType(f"unknown letter type {letter_type!r}; expected one of "
                                f"{', '.join(LETTER_TYPES)}", field="/letter_type")
    shared = shared_font()
    src = Source(letter, shared.can_draw, pointer_prefix)
    if client_name:
        Source({}, shared.can_draw, "").check(client_name, "client_name")
    flow = Flow(Measure(shared.widths))
    result = builder(flow, src, client_name)
    return result, flow.pages


def render(letter_type: str, letter: Mapping[str, Any], *, client_name: str | None = None,
           created_at: datetime | None = None, pointer_prefix: str = "/letter"
           ) -> RenderedLetter:
    info, pages = layout(letter_type, letter, client_name=client_name,
                         pointer_prefix=pointer_prefix)
    return draw(info, pages, created_at=created_at)


def draw(info: Letter, pages: list[list[Op]], *, created_at: datetime | None = None,
         keywords: str | None = None) -> RenderedLetter:
    """Draws laid-out pages, each with the running header and footer, into a PDF."""
    pdf = new_document(created_at=created_at or datetime.now(UTC),
                       title=f"{info.title} {info.number}", subject=f"函证编号 {info.number}")
    if keywords:
        pdf.set_keywords(keywords)
    total = len(pages)
    for number, ops in enumerate(pages, start=1):
        pdf.add_page()
        _running_text(pdf, info, number, total)
        if info.cross_seal and total > 1:
            _cross_seal(pdf)
        draw_ops(pdf, ops)
    boxes = {role: _signature_box(box) for role, box in info.boxes.items()}
    return RenderedLetter(finish(pdf), total, boxes)


def draw_ops(pdf: FPDF, ops: Sequence[Op]) -> None:
    """Draws one page's laid-out text, lines and rectangles; leaves the font at the body size."""
    size = BODY
    for op in ops:
        if isinstance(op, Text):
            if op.size != size:
                pdf.set_font_size(op.size)
                size = op.size
            draw_text(pdf, op.x, op.baseline, op.text, bold=op.bold)
        elif isinstance(op, Line):
            pdf.line(op.x1, op.y1, op.x2, op.y2)
        elif isinstance(op, Rect):
            pdf.rect(op.x, op.y, op.w, op.h)
    if size != BODY:
        pdf.set_font_size(BODY)


def _cross_seal(pdf: FPDF) -> None:
    """A dashed strip at the right edge labelled 骑缝章 (one character a line): where a printed
    letter of several pages takes its seal across the pages."""
    x, y, w, h = CROSS_SEAL
    pdf.set_dash_pattern(dash=2.0, gap=2.0)
    pdf.rect(x, y, w, h)
    pdf.set_dash_pattern()
    step = BODY * 1.4
    top = y + (h - step * len(CROSS_SEAL_LABEL)) / 2
    for i, character in enumerate(CROSS_SEAL_LABEL):
        left = x + (w - pdf.get_string_width(character)) / 2
        draw_text(pdf, left, top + step * i + BODY, character, bold=False)


def _running_text(pdf: FPDF, info: Letter, number: int, total: int) -> None:
    """函证编号 and the 基准日 at the top, 第 x 页 / 共 y 页 at the bottom of every page."""
    pdf.set_line_width(RULE)
    pdf.set_font_size(BODY)
    left = f"函证编号：{info.number}"
    right = f"函证基准日：{info.as_of}"
    pdf.text(MARGIN_X, HEADER_BASELINE, left)
    pdf.text(PAGE_WIDTH - MARGIN_X - pdf.get_string_width(right), HEADER_BASELINE, right)
    pdf.line(MARGIN_X, HEADER_BASELINE + 6, PAGE_WIDTH - MARGIN_X, HEADER_BASELINE + 6)
    footer = f"第 {number} 页 / 共 {total} 页"
    pdf.text((PAGE_WIDTH - pdf.get_string_width(footer)) / 2, FOOTER_BASELINE, footer)
