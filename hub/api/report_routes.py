"""The report centre's routes: alternative procedures (替代程序) and the control sheet."""

from __future__ import annotations

from typing import Any

import structlog
from aiohttp import web

from hub.api.bodies import read_json
from hub.api.jsonresponse import json_response
from hub.api.params import caller_of, deps_of, idempotency_key_of
from hub.domain import commands
from hub.domain.procedures import AlternativeProcedure

routes = web.RouteTableDef()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def procedure(p: AlternativeProcedure) -> dict[str, Any]:
    return {"id": p.id, "confirmation_id": p.confirmation_id, "text": p.text,
            "conclusion": p.conclusion, "noted_by": p.noted_by,
            "noted_at": p.noted_at.isoformat()}


@routes.post("/api/v1/confirmations/{id}/procedures")
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


@routes.get("/api/v1/confirmations/{id}/procedures")
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


@routes.get("/api/v1/engagements/{id}/control-sheet.xlsx")
async def control_sheet_xlsx(request: web.Request) -> web.Response:
    """函证控制表 as a workbook: every letter of the engagement, one row each."""
    return await _sheet(request, "xlsx")


@routes.get("/api/v1/engagements/{id}/control-sheet.pdf")
async def control_sheet_pdf(request: web.Request) -> web.Response:
    """函证控制表 as a landscape A4 PDF."""
    return await _sheet(request, "pdf")
