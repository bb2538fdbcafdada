"""The control sheet as an XLSX workbook (openpyxl): frozen header, filters, widths, wrapping."""

from __future__ import annotations

import io
from datetime import date

from hub.domain.text import spreadsheet_text
from hub.readmodels.control_sheet import COLUMNS, TITLE, ControlSheet, SheetRow

WIDTHS = (6, 20, 22, 28, 20, 12, 12, 26, 12, 12, 22, 50, 50, 12)
DATE_COLUMNS = frozenset({"发函日期", "送达日期", "回函日期", "回函截止日"})
GREY = "808080"


def render_xlsx(sheet: ControlSheet) -> bytes:
    """The workbook: title, header block and totals, then one row per letter under a frozen,
    filterable header row. Dates are date cells (yyyy-mm-dd); amounts stay inside the 差异
    text exactly as recorded (Decimal, thousand separators), never as floats.
    Pure and CPU-bound: run it off the event loop."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = TITLE
    wb.properties.title = spreadsheet_text(f"{TITLE} {sheet.engagement}")
    wb.properties.creator = "confirmation-hub"
    wb.properties.created = sheet.generated_at.replace(tzinfo=None)
    wb.properties.modified = wb.properties.created
    last = get_column_letter(len(COLUMNS))
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")

    ws.append([TITLE])
    ws["A1"].font = Font(bold=True, size=16)
    ws.merge_cells(f"A1:{last}1")
    # Labels span the two narrow first columns; values start in the third.
    for label, value in [*sheet.header(), ("统计", None), *sheet.totals.pairs()]:
        ws.append([_cell(label), None, _cell(value)])
        r = ws.max_row
        ws.cell(r, 1).font = bold
        ws.merge_cells(f"A{r}:B{r}")
        if isinstance(value, str):
            ws.merge_cells(f"C{r}:{last}{r}")
        else:
            ws.cell(r, 3).alignment = Alignment(horizontal="left")
    ws.append([])

    ws.append(list(COLUMNS))
    head = ws.max_row
    fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[head]:
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for row in sheet.rows:
        ws.append(_values(row))
        _style(ws[ws.max_row], row, wrap, Font(color=GREY, strike=True))
    ws.auto_filter.ref = f"A{head}:{last}{ws.max_row}"
    ws.freeze_panes = f"C{head + 1}"  # the header row and 序号, 函证编号 stay in view
    for i, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.print_title_rows = f"{head}:{head}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _values(row: SheetRow) -> list[int | str | date]:
    values: list[int | str | date] = []
    for title, value in zip(COLUMNS, row.cells(), strict=True):
        if title in DATE_COLUMNS and isinstance(value, str) and value:
            values.append(date.fromisoformat(value))
        else:
            values.append(spreadsheet_text(value) if isinstance(value, str) else value)
    return values


def _cell(value: int | str | None) -> int | str | None:
    """Every text goes through spreadsheet_text: a name or note is never a formula."""
    return spreadsheet_text(value) if isinstance(value, str) else value


def _style(cells: tuple[object, ...], row: SheetRow, wrap: object, cancelled: object) -> None:
    for title, cell in zip(COLUMNS, cells, strict=True):
        cell.alignment = wrap  # type: ignore[attr-defined]
        if title in DATE_COLUMNS:
            cell.number_format = "yyyy-mm-dd"  # type: ignore[attr-defined]
        if row.cancelled:
            cell.font = cancelled  # type: ignore[attr-defined]
