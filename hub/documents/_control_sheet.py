"""The control sheet (函证控制表) as a landscape A4 PDF: header block, one table, page numbers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from fpdf import FPDF

from hub.documents._layout import (
    BODY,
    MARGIN_X,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    RULE,
    Column,
    Flow,
    Measure,
    Op,
)
from hub.documents._pdf import finish, new_document, shared_font
from hub.documents._render import HEADER_BASELINE, draw_ops

WIDTH, HEIGHT = PAGE_HEIGHT, PAGE_WIDTH  # landscape
BOTTOM = HEIGHT - 48.0
FOOTER_BASELINE = HEIGHT - 24.0
TABLE_SIZE = 8.0
TITLE_SIZE = 16.0
UNPRINTABLE = "?"
# How the sheet's columns share the width; a column not named here gets weight 1.
COLUMNS: dict[str, Column] = {
    "序号": Column("序号", 0.3, lines=1, align="C"),
    "函证编号": Column("函证编号", 0.9, lines=1),  # kept whole: auditors search for it
    "函证类型": Column("函证类型", 0.9),
    "被询证者": Column("被询证者", 1.1),
    "发函渠道": Column("发函渠道", 0.8),
    "发函日期": Column("发函日期", 0.6, lines=1, align="C"),
    "送达日期": Column("送达日期", 0.6, lines=1, align="C"),
    "催函": Column("催函", 0.9),
    "回函日期": Column("回函日期", 0.6, lines=1, align="C"),
    "回函截止日": Column("回函截止日", 0.6, lines=1, align="C"),
    "回函结果": Column("回函结果", 1.0),
    "差异": Column("差异", 2.2),
    "替代程序": Column("替代程序", 2.2),
    "状态": Column("状态", 0.5),
}


def _texts(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, Sequence) and \
        not isinstance(value, str) else []


def layout_control_sheet(sheet: Mapping[str, Any]) -> list[list[Op]]:
    """Lays the sheet out: title, the header block, the totals, then the table, whose header
    row repeats on every page. Characters the font lacks print as "?"."""
    shared = shared_font()

    def printable(text: Any) -> str:
        return "".join(ch if ch == "\n" or shared.can_draw(ord(ch)) else UNPRINTABLE
                       for ch in str(text))

    flow = Flow(Measure(shared.widths), right=WIDTH - MARGIN_X, bottom=BOTTOM)
    flow.paragraph(printable(sheet.get("title", "")), size=TITLE_SIZE, bold=True, align="C")
    flow.space(4)
    for pair in sheet.get("header", []):
        label, value = _texts(pair)[:2]
        flow.paragraph(f"{printable(label)}：{printable(value)}")
    if sheet.get("totals"):
        flow.paragraph(f"统计：{printable(sheet['totals'])}", bold=True)
    flow.space(6)
    titles = _texts(sheet.get("columns"))
    columns = [COLUMNS.get(t, Column(t)) for t in titles]
    rows = [[printable(cell) for cell in row] for row in sheet.get("rows", [])]
    if not rows:
        flow.paragraph("本项目尚无函证。")
        return flow.pages
    flow.kept_table(columns, rows, size=TABLE_SIZE)
    return flow.pages


def render_control_sheet(sheet: Mapping[str, Any], *, created_at: datetime | None = None
                         ) -> bytes:
    """The control sheet as a PDF, landscape A4, with the packaged Chinese font.

    `sheet` is a plain dict: `title`, `running` (the line at the top of every page),
    `header` ([label, value] pairs), `totals` (one line), `columns` (titles) and `rows`
    (lists of cell texts, one per column). Every page repeats the running line and the
    table's header row and says 第 n 页 共 m 页. `created_at` fixes the document date.
    Pure and CPU-bound: run it in a worker thread, not on the event loop.
    """
    pages = layout_control_sheet(sheet)
    running = str(sheet.get("running", ""))
    title = str(sheet.get("title", ""))
    pdf = new_document(created_at=created_at or datetime.now(UTC), title=title,
                       subject=running)
    total = len(pages)
    for number, ops in enumerate(pages, start=1):
        pdf.add_page(orientation="L")
        _running_text(pdf, running, number, total)
        draw_ops(pdf, ops)
    return finish(pdf)


def _running_text(pdf: FPDF, running: str, number: int, total: int) -> None:
    shared = shared_font()
    text = "".join(ch if shared.can_draw(ord(ch)) else UNPRINTABLE for ch in running)
    pdf.set_line_width(RULE)
    pdf.set_font_size(BODY)
    pdf.text(MARGIN_X, HEADER_BASELINE, text)
    pdf.line(MARGIN_X, HEADER_BASELINE + 6, WIDTH - MARGIN_X, HEADER_BASELINE + 6)
    footer = f"第 {number} 页 共 {total} 页"
    pdf.text((WIDTH - pdf.get_string_width(footer)) / 2, FOOTER_BASELINE, footer)
