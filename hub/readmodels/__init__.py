"""The report centre: control sheets (函证控制表) of an engagement's letters, XLSX and PDF."""

from __future__ import annotations

from hub.readmodels.control_sheet import COLUMNS, ControlSheet, Result, SheetRow, Totals, assemble
from hub.readmodels.sheets import ControlSheets, pdf_document

__all__ = [
    "COLUMNS",
    "ControlSheet",
    "ControlSheets",
    "Result",
    "SheetRow",
    "Totals",
    "assemble",
    "pdf_document",
]
