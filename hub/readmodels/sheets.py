"""Use case: an engagement's control sheet (函证控制表) for its firm, as XLSX or PDF."""

from __future__ import annotations

import asyncio
from typing import Any

import structlog

from hub.domain.model import Caller
from hub.ports import Clock, SheetPdfRenderer
from hub.readmodels.control_sheet import COLUMNS, TITLE, ControlSheet, assemble
from hub.readmodels.xlsx import render_xlsx
from hub.services.queries import Queries

log = structlog.get_logger(__name__)


class ControlSheets:
    """Builds sheets from what Queries reads (scoped to the caller's firm: another firm's
    engagement is NotFound) and renders them off the event loop."""

    def __init__(self, queries: Queries, clock: Clock,
                 render_pdf: SheetPdfRenderer | None = None) -> None:
        self.queries = queries
        self.clock = clock
        self.render_pdf = render_pdf

    async def sheet(self, caller: Caller, engagement_id: str) -> ControlSheet:
        """The rows and totals as of now (the web UI shows these)."""
        facts = await self.queries.control_sheet(caller, engagement_id)
        return assemble(facts, today=self.clock.today(), generated_at=self.clock.now())

    async def xlsx(self, caller: Caller, engagement_id: str) -> bytes:
        sheet = await self.sheet(caller, engagement_id)
        data = await asyncio.to_thread(render_xlsx, sheet)
        log.info("control_sheet_made", engagement_id=engagement_id, format="xlsx",
                 letters=len(sheet.rows))
        return data

    async def pdf(self, caller: Caller, engagement_id: str) -> bytes:
        if self.render_pdf is None:
            raise RuntimeError("the hub was built without a PDF renderer for reports")
        sheet = await self.sheet(caller, engagement_id)
        render = self.render_pdf
        data = await asyncio.to_thread(
            lambda: render(pdf_document(sheet), created_at=sheet.generated_at))
        log.info("control_sheet_made", engagement_id=engagement_id, format="pdf",
                 letters=len(sheet.rows))
        return data


def pdf_document(sheet: ControlSheet) -> dict[str, Any]:
    """The sheet as the plain dict hub.documents.render_control_sheet draws."""
    reference = f"（{sheet.reference}）" if sheet.reference else ""
    return {
        "title": TITLE,
        "running": f"{TITLE}　{sheet.firm}　{sheet.engagement}{reference}",
        "header": [list(pair) for pair in sheet.header()],
        "totals": sheet.totals_line(),
        "columns": list(COLUMNS),
        "rows": [[str(cell) for cell in row.cells()] for row in sheet.rows],
    }
