"""A bank's inbox and a confirmation's replies in the OpenAPI document."""

from __future__ import annotations

from typing import Any

from hub.api.openapi_parts import errors, json_content, ok, param

_ANY = {"type": "object"}


def _plain(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"200": {"description": description,
                    "content": {"application/json": {"schema": schema}}}}


def paths() -> dict[str, Any]:
    item = {"type": "object", "description": "A letter as its bank sees it (no book values)."}
    return {
        "/api/v1/inbox": {
            "get": {
                "operationId": "listInbox", "tags": ["inbox"],
                "summary": "Letters sent to the caller's bank (bank_operator key)",
                "parameters": [
                    {"name": "status", "in": "query", "required": False,
                     "schema": {"enum": ["waiting", "new", "all"], "default": "waiting"},
                     "description": "waiting: neither returned nor replied yet; new: not "
                                    "acknowledged yet (what a polling bank needs each time)."},
                    param("Limit"), param("Cursor"),
                ],
                "responses": {**_plain("One page of letters.", {
                    "type": "object", "properties": {"items": {"type": "array", "items": item},
                                                     "next_cursor": {"type": ["string", "null"]}}}),
                    **errors("401", "403", "422")},
            },
        },
        "/api/v1/inbox/{id}": {
            "get": {
                "operationId": "getInboxItem", "tags": ["inbox"], "summary": "One letter",
                "parameters": [param("ConfirmationId")],
                "responses": {**_plain("The letter.", item), **errors("401", "403", "404")},
            },
        },
        "/api/v1/inbox/{id}/letter.pdf": {
            "get": {
                "operationId": "getInboxLetterPdf", "tags": ["inbox"],
                "summary": "函证文件下载: the signed letter; its SHA-256 is letter_sha256",
                "parameters": [param("ConfirmationId")],
                "responses": {"200": {"description": "The signed PDF.", "content": {
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
                    **errors("401", "403", "404")},
            },
        },
        "/api/v1/inbox/{id}/receipt": {
            "post": {
                "operationId": "acknowledgeReceipt", "tags": ["inbox"],
                "summary": "状态更新: the bank received the letter (the reply is due in 10 "
                           "working days, a return in 3)",
                "parameters": [param("ConfirmationId")],
                "responses": {**_plain("The letter, delivered.", item),
                              **errors("401", "403", "404", "409")},
            },
        },
        "/api/v1/inbox/{id}/return": {
            "post": {
                "operationId": "returnLetter", "tags": ["inbox"],
                "summary": "退函: return a non-conforming letter with a reason",
                "parameters": [param("ConfirmationId")],
                "requestBody": {"required": True, "content": json_content("letter_return")},
                "responses": {**_plain("The letter, returned; `late` if after 3 working days.",
                                       item),
                              **errors("401", "403", "404", "409", "413", "415", "422")},
            },
        },
        "/api/v1/inbox/{id}/reply": {
            "post": {
                "operationId": "uploadReply", "tags": ["inbox"],
                "summary": "回函文件上传: the signed reply PDF and its structured data",
                "description": "multipart/form-data: reply.pdf (the reply signed by a "
                               "certificate registered for the bank, whose Keywords bind it to "
                               "the letter) and reply.json (schema reply.bank.v1). The hub "
                               "checks it asynchronously; the same upload again changes "
                               "nothing.",
                "parameters": [param("ConfirmationId")],
                "requestBody": {"required": True, "content": {"multipart/form-data": {
                    "schema": {"type": "object", "required": ["reply.pdf"], "properties": {
                        "reply.pdf": {"type": "string", "format": "binary"},
                        "reply.json": {"$ref": "#/components/schemas/reply.bank.v1"}}}}}},
                "responses": {
                    "202": {"description": "Stored; its checks are queued.",
                            "content": {"application/json": {"schema": _ANY}}},
                    **_plain("The same reply was uploaded before.", _ANY),
                    **errors("401", "403", "404", "409", "413", "415", "422")},
            },
        },
        "/api/v1/confirmations/{id}/reply.pdf": {
            "get": {
                "operationId": "getReplyPdf", "tags": ["confirmations"],
                "summary": "The signed reply (回函): the accepted one, else the newest received",
                "parameters": [param("ConfirmationId")],
                "responses": {"200": {"description": "The responder's signed PDF.", "content": {
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
                    **errors("401", "404")},
            },
        },
        "/api/v1/workpapers": {
            "get": {
                "operationId": "listWorkpapers", "tags": ["confirmations"],
                "summary": "Workpapers made since a position (pull, for audit software "
                           "without webhooks)",
                "description": "Oldest first; pass `next_since` back as `since` to get what "
                               "came after (an empty page keeps it). Only the caller's firm.",
                "parameters": [
                    {"name": "since", "in": "query", "required": False,
                     "schema": {"type": "string", "pattern": "^[0-9]{1,18}$", "default": "0"}},
                    param("Limit"),
                ],
                "responses": {**ok("One page of workpapers.", "workpaper_list"),
                              **errors("401", "403", "422")},
            },
        },
        "/api/v1/confirmations/{id}/workpaper.pdf": {
            "get": {
                "operationId": "getWorkpaperPdf", "tags": ["confirmations"],
                "summary": "The workpaper (回函底稿) sealed by the hub, once verified",
                "parameters": [param("ConfirmationId")],
                "responses": {"200": {"description": "The sealed workpaper.", "content": {
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
                    **errors("401", "404")},
            },
        },
        "/api/v1/confirmations/{id}/evidence.zip": {
            "get": {
                "operationId": "getEvidenceZip", "tags": ["confirmations"],
                "summary": "The evidence bundle; `hub verify evidence.zip` checks it offline",
                "parameters": [param("ConfirmationId")],
                "responses": {"200": {"description": "A ZIP with manifest.json.", "content": {
                    "application/zip": {"schema": {"type": "string", "format": "binary"}}}},
                    **errors("401", "404")},
            },
        },
        "/api/v1/confirmations/{id}/replies": {
            "get": {
                "operationId": "getConfirmationReplies", "tags": ["confirmations"],
                "summary": "Every reply (accepted or rejected, with the reason) and the "
                           "exceptions of the accepted one",
                "parameters": [param("ConfirmationId")],
                "responses": {**ok("Replies and exceptions.", "confirmation_replies"),
                              **errors("401", "404")},
            },
        },
    }
