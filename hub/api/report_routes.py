"""The report centre's routes: alternative procedures (替代程序) and the control sheet."""

from __future__ import annotations

from typing import Any

import structlog
from aiohttp import web

from hub.api.bodies import read_json
from hub.api.endpoint import Body, Endpoints, Reply
from hub.api.jsonresponse import json_response
from hub.api.params import caller_of, deps_of, idempotency_key_of
from hub.domain import commands
from hub.domain.procedures import AlternativeProcedure

api = Endpoints(tag="reports")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET = ("One row per letter of the engagement, in the order they were submitted (cancelled "
         "ones too, marked 已撤销): 序号, 函证编号, 函证类型, 被询证者, 发函渠道, 发函日期, "
         "送达日期, 催函 (count and dates), 回函日期, 回函截止日, 回函结果 (相符 / 不符 n 项 / "
         "退函 with the reason / 未回函 / 逾期 / 消极式未回函视为无异议), 差异 (each exception: "
         "item, row, field, book value and confirmed value), 替代程序 (the auditor's notes) "
         "and 状态; above them the firm, the engagement (name, reference, client, period), "
         "when it was generated and the totals. Dates are ISO dates in Beijing time. "
         "Amounts appear only inside the 差异 text, exactly as recorded (decimal, with "
         "thousand separators), never rounded through floating point. For the engagement's "
         "firm (auditor or firm_admin keys); any other organisation gets 404.")


def procedure(p: AlternativeProcedure) -> dict[str, Any]:
    return {"id": p.id, "confirmation_id": p.confirmation_id, "text": p.text,
            "conclusion": p.conclusion, "noted_by": p.noted_by,
            "noted_at": p.noted_at.isoformat()}


@api.post("/api/v1/confirmations/{id}/procedures", "noteProcedure",
          "Note an alternative procedure (替代程序) on a letter",
          description="For the firm's auditor or firm_admin keys. Notes are append-only (who "
                      "and when are kept; a correction is a new note) and each enters the "
                      "letter's history as `confirmation.procedure_noted`. With an "
                      "Idempotency-Key a retried request answers 200 with the note first made.",
          params=("ConfirmationId", "IdempotencyKey"), body=Body("procedure_create"),
          replies=(Reply("201", "The note.", "procedure", headers=("Location",)),
                   Reply("200", "The note an earlier request with this Idempotency-Key made.",
                         "procedure", headers=("Idempotent-Replayed",))),
          problems=("409",))
async def note_procedure(request: web.Request) -> web.Response:
    """An auditor notes an alternative procedure; it is kept for good and enters the history."""
    deps = deps_of(request)
    key = idempotency_key_of(request)
    body = await read_json(request, "procedure_create", deps.max_body_bytes)
    cid = request.match_info["id"]
    structlog.contextvars.bind_contextvars(confirmation_id=cid)
    noted = await deps.bus.handle(commands.NoteProcedure(
        caller=caller_of(request), confirmation_id=cid, text=body["text"],
        conclusion=body.get("conclusion"), idempotency_key=key))
    headers = {"Location": f"/api/v1/confirmations/{cid}/procedures"}
    if noted.replayed:
        headers["Idempotent-Replayed"] = "true"
    return json_response(procedure(noted.procedure), status=200 if noted.replayed else 201,
                         headers=headers)


@api.get("/api/v1/confirmations/{id}/procedures", "listProcedures",
         "The alternative procedures noted on a letter, oldest first",
         params=("ConfirmationId",), replies=(Reply("200", "The notes.", "procedure_list"),))
async def list_procedures(request: web.Request) -> web.Response:
    found = await deps_of(request).queries.procedures(caller_of(request),
                                                      request.match_info["id"])
    return json_response({"items": [procedure(p) for p in found]})


def _download(data: bytes, media_type: str, name: str) -> web.Response:
    return web.Response(body=data, content_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


async def _sheet(request: web.Request, fmt: str) -> web.Response:
    sheets = deps_of(request).control_sheets
    if sheets is None:
        raise web.HTTPNotImplemented(text="control sheets are not configured")
    eid = request.match_info["id"]
    make = sheets.xlsx if fmt == "xlsx" else sheets.pdf
    data = await make(caller_of(request), eid)
    return _download(data, XLSX if fmt == "xlsx" else "application/pdf",
                     f"control-sheet-{eid}.{fmt}")


@api.get("/api/v1/engagements/{id}/control-sheet.xlsx", "getControlSheetXlsx",
         "The engagement's control sheet (函证控制表) as XLSX",
         description=SHEET + " The header row is frozen and filterable; dates are date cells.",
         params=("EngagementId",), replies=(Reply("200", "The workbook.", media=XLSX),))
async def control_sheet_xlsx(request: web.Request) -> web.Response:
    """函证控制表 as a workbook: every letter of the engagement, one row each."""
    return await _sheet(request, "xlsx")


@api.get("/api/v1/engagements/{id}/control-sheet.pdf", "getControlSheetPdf",
         "The engagement's control sheet (函证控制表) as PDF",
         description=SHEET + " Landscape A4; every page repeats the running header and the "
                             "table's header row and says 第 n 页 共 m 页.",
         params=("EngagementId",), replies=(Reply("200", "The PDF.", media="application/pdf"),))
async def control_sheet_pdf(request: web.Request) -> web.Response:
    """函证控制表 as a landscape A4 PDF."""
    return await _sheet(request, "pdf")
