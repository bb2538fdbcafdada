"""The report centre's part of the OpenAPI document: alternative procedures, control sheets."""

from __future__ import annotations

from typing import Any

from hub.api.openapi_parts import errors, json_content, ok, param

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


def _file(media_type: str, description: str) -> dict[str, Any]:
    return {"200": {"description": description, "content": {media_type: {
        "schema": {"type": "string", "format": "binary"}}}}}


def paths() -> dict[str, Any]:
    idempotency = param("IdempotencyKey")
    return {
        "/api/v1/confirmations/{id}/procedures": {
            "post": {
                "operationId": "noteProcedure", "tags": ["reports"],
                "summary": "Note an alternative procedure (替代程序) on a letter",
                "description": "For the firm's auditor or firm_admin keys. Notes are "
                               "append-only (who and when are kept; a correction is a new "
                               "note) and each enters the letter's history as "
                               "`confirmation.procedure_noted`. With an Idempotency-Key a "
                               "retried request answers 200 with the note first made.",
                "parameters": [param("ConfirmationId"), idempotency],
                "requestBody": {"required": True, "content": json_content("procedure_create")},
                "responses": {**ok("The note.", "procedure", "201", headers=("Location",)),
                              **ok("The note an earlier request with this Idempotency-Key "
                                    "made.", "procedure", headers=("Idempotent-Replayed",)),
                              **errors("401", "403", "404", "409", "413", "415", "422")},
            },
            "get": {
                "operationId": "listProcedures", "tags": ["reports"],
                "summary": "The alternative procedures noted on a letter, oldest first",
                "parameters": [param("ConfirmationId")],
                "responses": {**ok("The notes.", "procedure_list"),
                              **errors("401", "404")},
            },
        },
        "/api/v1/engagements/{id}/control-sheet.xlsx": {
            "get": {
                "operationId": "getControlSheetXlsx", "tags": ["reports"],
                "summary": "The engagement's control sheet (函证控制表) as XLSX",
                "description": SHEET + " The header row is frozen and filterable; dates are "
                                       "date cells.",
                "parameters": [param("EngagementId")],
                "responses": {**_file(XLSX, "The workbook."), **errors("401", "403", "404")},
            },
        },
        "/api/v1/engagements/{id}/control-sheet.pdf": {
            "get": {
                "operationId": "getControlSheetPdf", "tags": ["reports"],
                "summary": "The engagement's control sheet (函证控制表) as PDF",
                "description": SHEET + " Landscape A4; every page repeats the running header "
                                       "and the table's header row and says 第 n 页 共 m 页.",
                "parameters": [param("EngagementId")],
                "responses": {**_file("application/pdf", "The PDF."),
                              **errors("401", "403", "404")},
            },
        },
    }
