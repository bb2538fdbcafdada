"""A bank's API on the hub: its inbox, receipts, returns (退函) and reply uploads (回函)."""

from __future__ import annotations

from typing import Any

from aiohttp import BodyPartReader, web

import schemas
from hub.api import representations as rep
from hub.api.bodies import read_json
from hub.api.endpoint import Body, Endpoints, Reply
from hub.api.jsonresponse import json_response
from hub.api.params import caller_of, deps_of, limit_of
from hub.api.problems import BodyTooLarge, UnsupportedMediaType
from hub.domain import commands
from hub.domain.errors import Conflict, ValidationFailed
from hub.domain.model import Status
from hub.ports import ConfirmationFilter
from hub.services.exchange import MAX_REPLY_BYTES

api = Endpoints(tag="inbox")
WAITING = (Status.DISPATCHED, Status.DELIVERED)
NEW = (Status.DISPATCHED,)
"""Letters the bank has not acknowledged yet: what a polling bank needs each time."""
PDF = "application/pdf"
ITEM = {"type": "object", "description": "A letter as its bank sees it (no book values)."}
ANY = {"type": "object"}
WINDOWS = ("409", "503")
"""A state conflict, or (503) a first receipt whose reply and return windows fall in a year the
working-day calendar does not know yet."""
UPLOAD = {"type": "object", "required": ["reply.pdf"], "properties": {
    "reply.pdf": {"type": "string", "format": "binary"},
    "reply.json": {"$ref": "#/components/schemas/reply.bank.v1"}}}


@api.get("/api/v1/inbox", "listInbox", "Letters sent to the caller's bank (bank_operator key)",
         params=({"name": "status", "in": "query", "required": False,
                  "schema": {"enum": ["waiting", "new", "all"], "default": "waiting"},
                  "description": "waiting: neither returned nor replied yet; new: not "
                                 "acknowledged yet (what a polling bank needs each time)."},
                 "Limit", "Cursor"),
         replies=(Reply("200", "One page of letters.", inline={
             "type": "object", "properties": {"items": {"type": "array", "items": ITEM},
                                              "next_cursor": {"type": ["string", "null"]}}}),))
async def inbox(request: web.Request) -> web.Response:
    which = request.query.get("status", "waiting")
    if which not in ("waiting", "new", "all"):
        raise ValidationFailed("status is waiting, new or all", field="status")
    statuses = {"waiting": WAITING, "new": NEW}.get(which)
    flt = ConfirmationFilter(statuses=statuses,
                             limit=limit_of(request), cursor=request.query.get("cursor"))
    page, clients = await deps_of(request).queries.inbox(caller_of(request), flt)
    return json_response({"items": [rep.inbox_item(c, clients[c.engagement_id])
                                    for c in page.items], "next_cursor": page.next_cursor})


@api.get("/api/v1/inbox/{id}", "getInboxItem", "One letter", params=("ConfirmationId",),
         replies=(Reply("200", "The letter.", inline=ITEM),))
async def inbox_item(request: web.Request) -> web.Response:
    c, client = await deps_of(request).queries.inbox_item(caller_of(request),
                                                        request.match_info["id"])
    return json_response(rep.inbox_item(c, client))


@api.get("/api/v1/inbox/{id}/letter.pdf", "getInboxLetterPdf",
         "函证文件下载: the signed letter; its SHA-256 is letter_sha256",
         params=("ConfirmationId",), replies=(Reply("200", "The signed PDF.", media=PDF),))
async def inbox_letter(request: web.Request) -> web.Response:
    pdf = await deps_of(request).queries.inbox_letter(caller_of(request), request.match_info["id"])
    return web.Response(body=pdf, content_type=PDF)


async def _item(request: web.Request, confirmation_id: str) -> dict[str, Any]:
    c, client = await deps_of(request).queries.inbox_item(caller_of(request), confirmation_id)
    return rep.inbox_item(c, client)


@api.post("/api/v1/inbox/{id}/receipt", "acknowledgeReceipt",
          "状态更新: the bank received the letter (the reply is due in 10 working days, a "
          "return in 3)", params=("ConfirmationId",),
          replies=(Reply("200", "The letter, delivered.", inline=ITEM),), problems=WINDOWS)
async def receipt(request: web.Request) -> web.Response:
    deps = deps_of(request)
    await deps.bus.handle(commands.AcknowledgeReceipt(
        caller=caller_of(request), confirmation_id=request.match_info["id"]))
    return json_response(await _item(request, request.match_info["id"]))


@api.post("/api/v1/inbox/{id}/return", "returnLetter",
          "退函: return a non-conforming letter with a reason", params=("ConfirmationId",),
          body=Body("letter_return"),
          replies=(Reply("200", "The letter, returned; `late` if after 3 working days.",
                         inline=ITEM),),
          problems=WINDOWS)
async def return_letter(request: web.Request) -> web.Response:
    deps = deps_of(request)
    body = await read_json(request, "letter_return", deps.max_body_bytes)
    _, late = await deps.bus.handle(commands.ReturnLetter(
        caller=caller_of(request), confirmation_id=request.match_info["id"],
        code=body["reason_code"], reason=body["reason"]))
    return json_response({**await _item(request, request.match_info["id"]), "late": late})


async def _parts(request: web.Request) -> tuple[bytes, dict[str, Any] | None]:
    """reply.pdf and the optional reply.json of a multipart upload, size-limited."""
    if request.content_type != "multipart/form-data":
        raise UnsupportedMediaType("send the reply as multipart/form-data with a reply.pdf "
                                   "part (and optionally reply.json)", field="Content-Type")
    pdf: bytes | None = None
    data: dict[str, Any] | None = None
    reader = await request.multipart()
    total = 0
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader) or part.name not in ("reply.pdf", "reply.json"):
            raise ValidationFailed("only reply.pdf and reply.json parts are taken",
                                   field=getattr(part, "name", None) or "body")
        raw = bytearray()
        while chunk := await part.read_chunk(65536):
            raw += chunk
            total += len(chunk)
            if total > MAX_REPLY_BYTES:
                raise BodyTooLarge(f"the reply exceeds {MAX_REPLY_BYTES} bytes", field="body")
        if part.name == "reply.pdf":
            pdf = bytes(raw)
        else:
            parsed = schemas.parse_json(bytes(raw))
            if not isinstance(parsed, dict):
                raise ValidationFailed("reply.json must be a JSON object", field="reply.json")
            try:
                schemas.validate("reply.bank.v1", parsed)
            except ValidationFailed as e:
                raise ValidationFailed(f"reply.json: {e.message}", field=f"reply.json{e.field}",
                                       ) from e
            data = parsed
    if pdf is None:
        raise ValidationFailed("the signed reply (reply.pdf) is missing", field="reply.pdf")
    return pdf, data


@api.post("/api/v1/inbox/{id}/reply", "uploadReply",
          "回函文件上传: the signed reply PDF and its structured data",
          description="multipart/form-data: reply.pdf (the reply signed by a certificate "
                      "registered for the bank, whose Keywords bind it to the letter) and "
                      "reply.json (schema reply.bank.v1). The hub checks it asynchronously; "
                      "the same upload again changes nothing.",
          params=("ConfirmationId",), body=Body(media="multipart/form-data", inline=UPLOAD),
          replies=(Reply("202", "Stored; its checks are queued.", inline=ANY),
                   Reply("200", "The same reply was uploaded before.", inline=ANY)),
          problems=WINDOWS)
async def upload_reply(request: web.Request) -> web.Response:
    deps = deps_of(request)
    pdf, data = await _parts(request)
    uploaded = await deps.bus.handle(commands.UploadReply(
        caller=caller_of(request), confirmation_id=request.match_info["id"], pdf=pdf, data=data))
    if uploaded.refused is not None:  # kept as evidence (committed), but it does not count
        raise Conflict(uploaded.refused, field="reply.pdf")
    return json_response({"reply_id": uploaded.reply.id, "status": uploaded.reply.status.value},
                         status=202 if uploaded.created else 200)
