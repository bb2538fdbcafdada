"""HTTP routes of /api/v1: confirmations and their documents; the table of every endpoint."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

import structlog
from aiohttp import web

import schemas
from hub.api import (
    apikey_routes,
    engagement_routes,
    inbox_routes,
    meta_routes,
    registry_routes,
    report_routes,
    webhook_routes,
)
from hub.api import representations as rep
from hub.api.bodies import canonical_hash, read_json
from hub.api.endpoint import ENDPOINTS, Body, Endpoint, Endpoints, Reply
from hub.api.jsonresponse import json_response
from hub.api.params import caller_of, deps_of, idempotency_key_of, limit_of
from hub.domain import commands
from hub.domain.errors import ValidationFailed
from hub.domain.model import AmountLine, Confirmation, LetterType, Role, Status
from hub.domain.text import is_ascii_digits
from hub.ports import ConfirmationFilter

api = Endpoints(tag="confirmations")
PDF = "application/pdf"


def _today(request: web.Request) -> date:
    return deps_of(request).clock.today()


def _view(request: web.Request, c: Confirmation, *, with_letter: bool = True) -> dict[str, Any]:
    """The confirmation as the caller may see it: the audited entity gets its minimal view."""
    if caller_of(request).role is Role.CLIENT_SIGNER:
        return rep.confirmation_for_signer(c, with_letter=with_letter)
    return rep.confirmation(c, today=_today(request), with_letter=with_letter)



def _amounts(body: dict[str, Any]) -> list[AmountLine]:
    prefix = "/letter"
    return [
        AmountLine(pointer=pointer.removeprefix(prefix), amount=amount, currency=currency)
        for pointer, amount, currency in schemas.money_values("confirmation_request", body)
    ]


@api.post(
    "/api/v1/confirmations", "submitConfirmation", "Submit a confirmation request (函证申请)",
    description="Validates the letter against the schema of its type, resolves the responder "
                "through the registry and records the request; the client's authorisation "
                "(授权) is asked for next. Amounts are decimal strings, never JSON numbers; a "
                "body with a duplicated key is refused.",
    params=("IdempotencyKey",),
    body=Body("confirmation_request",
              examples=tuple(f"confirmation_request.{t.value}" for t in LetterType)),
    replies=(Reply("201", "Created.", "confirmation", headers=("Location",)),
             Reply("200", "A replay of an earlier request with the same Idempotency-Key and "
                          "body: the confirmation it created.", "confirmation",
                   headers=("Location", "Idempotent-Replayed"))),
    problems=("409", "503"))
async def submit_confirmation(request: web.Request) -> web.Response:
    deps = deps_of(request)
    key = idempotency_key_of(request)
    body = await read_json(request, "confirmation_request", deps.max_body_bytes)
    result = await deps.submissions.submit(
        commands.SubmitConfirmation(
            caller=caller_of(request),
            engagement_id=body["engagement_id"],
            letter_type=body["letter_type"],
            letter=body["letter"],
            request_hash=canonical_hash(body),
            scope=body.get("scope", "all"),
            parent_id=body.get("parent_id"),
            idempotency_key=key,
            amounts=_amounts(body),
        )
    )
    c = result.confirmation
    structlog.contextvars.bind_contextvars(confirmation_id=c.id)
    headers = {"Location": f"/api/v1/confirmations/{c.id}"}
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    return json_response(
        rep.confirmation(c, today=deps.clock.today()),
        status=200 if result.replayed else 201, headers=headers,
    )


def _status_filter(request: web.Request) -> Status | None:
    raw = request.query.get("status")
    if raw is None:
        return None
    try:
        return Status(raw)
    except ValueError as e:
        allowed = ", ".join(s.value for s in Status)
        raise ValidationFailed(f"unknown status {raw!r}; one of {allowed}", field="status") from e


@api.get("/api/v1/confirmations", "listConfirmations",
         "List confirmations, newest first (letters left out)",
         params=({"name": "engagement_id", "in": "query", "required": False,
                  "schema": {"type": "string", "format": "uuid"}},
                 {"name": "status", "in": "query", "required": False,
                  "schema": {"type": "string", "enum": [s.value for s in Status]}},
                 "Limit", "Cursor"),
         replies=(Reply("200", "One page.", "confirmation_list"),))
async def list_confirmations(request: web.Request) -> web.Response:
    cursor = request.query.get("cursor")
    if cursor is not None:
        try:
            base64.urlsafe_b64decode(cursor.encode() + b"==")
        except ValueError as e:
            raise ValidationFailed("cursor is not one this API issued", field="cursor") from e
    flt = ConfirmationFilter(
        engagement_id=request.query.get("engagement_id"),
        status=_status_filter(request),
        limit=limit_of(request),
        cursor=cursor,
    )
    page = await deps_of(request).queries.confirmations(caller_of(request), flt)
    return json_response(
        {"items": [_view(request, c, with_letter=False) for c in page.items],
         "next_cursor": page.next_cursor}
    )


@api.get("/api/v1/confirmations/{id}", "getConfirmation", "One confirmation with its letter",
         params=("ConfirmationId",), replies=(Reply("200", "The confirmation.", "confirmation"),))
async def get_confirmation(request: web.Request) -> web.Response:
    c = await deps_of(request).queries.confirmation(caller_of(request), request.match_info["id"])
    return json_response(_view(request, c))


@api.get("/api/v1/confirmations/{id}/history", "getConfirmationHistory",
         "Status history (状态流转记录) from the hash-chained event log",
         params=("ConfirmationId",),
         replies=(Reply("200", "The history, oldest first.", "history"),))
async def confirmation_history(request: web.Request) -> web.Response:
    entries = await deps_of(request).queries.history(caller_of(request), request.match_info["id"])
    return json_response({"items": [rep.history_entry(e) for e in entries]})


@api.post("/api/v1/confirmations/{id}/cancel", "cancelConfirmation",
          "Cancel (撤销) a confirmation that has not been dispatched",
          params=("ConfirmationId",), body=Body("cancel_request", required=False),
          replies=(Reply("200", "The cancelled confirmation.", "confirmation"),),
          problems=("409",))
async def cancel_confirmation(request: web.Request) -> web.Response:
    deps = deps_of(request)
    reason = None
    if request.can_read_body:
        body = await read_json(request, "cancel_request", deps.max_body_bytes)
        reason = body.get("reason")
    c = await deps.bus.handle(
        commands.CancelConfirmation(
            caller=caller_of(request), confirmation_id=request.match_info["id"], reason=reason
        )
    )
    return json_response(rep.confirmation(c, today=_today(request)))


@api.post("/api/v1/confirmations/{id}/retry", "retryConfirmation",
          "Retry (重新制函) a letter that failed to be made, once the cause is fixed",
          description="Only a firm key; only a confirmation `failed` before its letter was "
                      "made (status_reason says why). It goes back to `authorised` and the "
                      "letter is made again. With the same Idempotency-Key a repeated request "
                      "changes nothing.",
          params=("ConfirmationId", "IdempotencyKey"),
          replies=(Reply("200", "The confirmation, authorised again.", "confirmation"),),
          problems=("409",))
async def retry_confirmation(request: web.Request) -> web.Response:
    """重新制函: a letter that failed to be made is made again (firm keys only)."""
    deps = deps_of(request)
    c = await deps.bus.handle(
        commands.RetryLetter(caller=caller_of(request), confirmation_id=request.match_info["id"],
                             idempotency_key=idempotency_key_of(request))
    )
    return json_response(rep.confirmation(c, today=_today(request)))


@api.post("/api/v1/confirmations/{id}/authorization", "authoriseConfirmation",
          "Authorise (授权) the request: the audited entity's client_signer",
          description="Allowed while the confirmation awaits authorisation and its window (10 "
                      "working days) is open; the letter is then rendered, signed and becomes "
                      "letter_ready.",
          params=("ConfirmationId",),
          replies=(Reply("200", "The authorised confirmation.", "confirmation"),),
          problems=("409",))
async def authorise_confirmation(request: web.Request) -> web.Response:
    """授权: the audited entity's client_signer authorises the request to be sent."""
    deps = deps_of(request)
    c = await deps.bus.handle(
        commands.AuthoriseConfirmation(
            caller=caller_of(request), confirmation_id=request.match_info["id"]
        )
    )
    return json_response(_view(request, c))


async def _stored(request: web.Request, kind: str, media_type: str, filename: str
                  ) -> web.Response:
    """A stored document of the confirmation in the path, as an attachment named `filename`
    (with {id} the confirmation's id)."""
    cid = request.match_info["id"]
    data = await deps_of(request).queries.document(caller_of(request), cid, kind)
    return web.Response(body=data, content_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{filename.format(id=cid)}"'})


@api.get("/api/v1/confirmations/{id}/letter.pdf", "getLetterPdf",
         "The signed letter (询证函) as PDF, once made", params=("ConfirmationId",),
         replies=(Reply("200", "The signed PDF; its SHA-256 is letter_sha256.", media=PDF),))
async def letter_pdf(request: web.Request) -> web.Response:
    """The signed letter (询证函), once made."""
    return await _stored(request, "letter", PDF, "{id}.pdf")


@api.get("/api/v1/confirmations/{id}/replies", "getConfirmationReplies",
         "Every reply (accepted or rejected, with the reason) and the exceptions of the "
         "accepted one", params=("ConfirmationId",),
         replies=(Reply("200", "Replies and exceptions.", "confirmation_replies"),))
async def confirmation_replies(request: web.Request) -> web.Response:
    found, exceptions = await deps_of(request).queries.replies(caller_of(request),
                                                             request.match_info["id"])
    return json_response({"items": [rep.reply(r) for r in found],
                          "exceptions": [rep.reply_exception(e) for e in exceptions]})


@api.get("/api/v1/confirmations/{id}/workpaper.pdf", "getWorkpaperPdf",
         "The workpaper (回函底稿) sealed by the hub, once verified", params=("ConfirmationId",),
         replies=(Reply("200", "The sealed workpaper.", media=PDF),))
async def workpaper_pdf(request: web.Request) -> web.Response:
    """The workpaper (回函底稿) sealed by the hub, once the confirmation is verified."""
    return await _stored(request, "workpaper", PDF, "workpaper-{id}.pdf")


@api.get("/api/v1/confirmations/{id}/evidence.zip", "getEvidenceZip",
         "The evidence bundle; `hub verify evidence.zip` checks it offline",
         params=("ConfirmationId",),
         replies=(Reply("200", "A ZIP with manifest.json.", media="application/zip"),))
async def evidence_zip(request: web.Request) -> web.Response:
    """The evidence bundle: letter, reply, workpaper, reports, chains, CRLs, manifest."""
    return await _stored(request, "evidence", "application/zip", "evidence-{id}.zip")


@api.get("/api/v1/workpapers", "listWorkpapers",
         "Workpapers made since a position (pull, for audit software without webhooks)",
         description="Oldest first; pass `next_since` back as `since` to get what came after "
                     "(an empty page keeps it). Only the caller's firm.",
         params=({"name": "since", "in": "query", "required": False,
                  "schema": {"type": "string", "pattern": "^[0-9]{1,18}$", "default": "0"}},
                 "Limit"),
         replies=(Reply("200", "One page of workpapers.", "workpaper_list"),))
async def workpapers(request: web.Request) -> web.Response:
    """For audit software that cannot take webhooks: workpapers after `since`, oldest first."""
    raw = request.query.get("since", "0")
    if not is_ascii_digits(raw) or len(raw) > 18:
        raise ValidationFailed("since is the next_since of the previous page", field="since")
    found = await deps_of(request).queries.workpapers(caller_of(request), int(raw),
                                                      limit_of(request))
    items = [{"confirmation_id": d.confirmation_id, **facts, "sha256": d.sha256,
              "size": d.size, "created_at": d.created_at.isoformat(),
              "workpaper": f"/api/v1/confirmations/{d.confirmation_id}/workpaper.pdf",
              "evidence": f"/api/v1/confirmations/{d.confirmation_id}/evidence.zip"}
             for _, d, facts in found]
    since = str(found[-1][0]) if found else raw
    return json_response({"items": items, "next_since": since})


@api.get("/api/v1/confirmations/{id}/reply.pdf", "getReplyPdf",
         "The signed reply (回函): the accepted one, else the newest received",
         params=("ConfirmationId",),
         replies=(Reply("200", "The responder's signed PDF.", media=PDF),))
async def reply_pdf(request: web.Request) -> web.Response:
    pdf = await deps_of(request).queries.reply_pdf(caller_of(request), request.match_info["id"])
    return web.Response(body=pdf, content_type=PDF)


def endpoints() -> tuple[Endpoint, ...]:
    """Every endpoint the API serves, in the order the OpenAPI document lists them."""
    return (*engagement_routes.api, *api, *registry_routes.api, *inbox_routes.api,
            *webhook_routes.api, *report_routes.api, *apikey_routes.api, *meta_routes.api)


def setup(app: web.Application) -> None:
    app[ENDPOINTS] = endpoints()
    app.add_routes([e.route() for e in app[ENDPOINTS]])
