"""HTTP routes of /api/v1: engagements, confirmations, history, cancel, health and OpenAPI."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

import structlog
from aiohttp import web

import schemas
from hub.api import (
    apikey_routes,
    inbox_routes,
    registry_routes,
    report_routes,
    webhook_routes,
)
from hub.api import representations as rep
from hub.api.bodies import canonical_hash, read_json
from hub.api.jsonresponse import json_response
from hub.api.openapi import build_openapi
from hub.api.params import caller_of, deps_of, idempotency_key_of, limit_of
from hub.domain import commands
from hub.domain.errors import ValidationFailed
from hub.domain.model import AmountLine, Confirmation, Role, Status
from hub.domain.text import is_ascii_digits
from hub.ports import ConfirmationFilter

routes = web.RouteTableDef()




def _today(request: web.Request) -> date:
    return deps_of(request).clock.today()


def _view(request: web.Request, c: Confirmation, *, with_letter: bool = True) -> dict[str, Any]:
    """The confirmation as the caller may see it: the audited entity gets its minimal view."""
    if caller_of(request).role is Role.CLIENT_SIGNER:
        return rep.confirmation_for_signer(c, with_letter=with_letter)
    return rep.confirmation(c, today=_today(request), with_letter=with_letter)



@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return json_response({"status": "ok"})


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    checks = {}
    for name, check in deps_of(request).readiness.items():
        try:
            checks[name] = "ok" if await check() else "unreachable"
        except Exception:  # a readiness probe reports, it does not raise
            checks[name] = "unreachable"
    ready = all(v == "ok" for v in checks.values())
    return json_response(
        {"status": "ready" if ready else "not_ready", "checks": checks},
        status=200 if ready else 503,
    )


@routes.get("/api/v1/openapi.json")
async def openapi(request: web.Request) -> web.Response:
    server = f"{request.scheme}://{request.host}"
    return json_response(build_openapi(server))


@routes.post("/api/v1/engagements")
async def create_engagement(request: web.Request) -> web.Response:
    deps = deps_of(request)
    body = await read_json(request, "engagement_create", deps.max_body_bytes)

    engagement = await deps.bus.handle(
        commands.CreateEngagement(
            caller=caller_of(request),
            name=body["name"],
            client_name=body["client"]["name"],
            client_uscc=body["client"]["uscc"],
            period_start=date.fromisoformat(body["period_start"]),
            period_end=date.fromisoformat(body["period_end"]),
            reference=body.get("reference"),
            second_request_days=tuple(body.get("second_request_days", (1,))),
            responder_overrides=tuple(body.get("responder_overrides", ())),
        )
    )
    return json_response(
        rep.engagement(engagement), status=201,
        headers={"Location": f"/api/v1/engagements/{engagement.id}"},
    )


@routes.get("/api/v1/engagements")
async def list_engagements(request: web.Request) -> web.Response:
    items, next_cursor = await deps_of(request).queries.engagements(
        caller_of(request), limit_of(request), request.query.get("cursor")
    )
    return json_response(
        {"items": [rep.engagement(e) for e in items], "next_cursor": next_cursor}
    )


@routes.get("/api/v1/engagements/{id}")
async def get_engagement(request: web.Request) -> web.Response:
    e = await deps_of(request).queries.engagement(caller_of(request), request.match_info["id"])
    return json_response(rep.engagement(e))


def _amounts(body: dict[str, Any]) -> list[AmountLine]:
    prefix = "/letter"
    return [
        AmountLine(pointer=pointer.removeprefix(prefix), amount=amount, currency=currency)
        for pointer, amount, currency in schemas.money_values("confirmation_request", body)
    ]


@routes.post("/api/v1/confirmations")
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


@routes.get("/api/v1/confirmations")
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


@routes.get("/api/v1/confirmations/{id}")
async def get_confirmation(request: web.Request) -> web.Response:
    c = await deps_of(request).queries.confirmation(caller_of(request), request.match_info["id"])
    return json_response(_view(request, c))


@routes.get("/api/v1/confirmations/{id}/history")
async def confirmation_history(request: web.Request) -> web.Response:
    entries = await deps_of(request).queries.history(caller_of(request), request.match_info["id"])
    return json_response({"items": [rep.history_entry(e) for e in entries]})


@routes.post("/api/v1/confirmations/{id}/cancel")
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


@routes.post("/api/v1/confirmations/{id}/retry")
async def retry_confirmation(request: web.Request) -> web.Response:
    """重新制函: a letter that failed to be made is made again (firm keys only)."""
    deps = deps_of(request)
    c = await deps.bus.handle(
        commands.RetryLetter(caller=caller_of(request), confirmation_id=request.match_info["id"],
                             idempotency_key=idempotency_key_of(request))
    )
    return json_response(rep.confirmation(c, today=_today(request)))


@routes.post("/api/v1/confirmations/{id}/authorization")
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


@routes.get("/api/v1/confirmations/{id}/letter.pdf")
async def letter_pdf(request: web.Request) -> web.Response:
    """The signed letter (询证函), once made."""
    return await _stored(request, "letter", "application/pdf", "{id}.pdf")


@routes.get("/api/v1/confirmations/{id}/replies")
async def confirmation_replies(request: web.Request) -> web.Response:
    found, exceptions = await deps_of(request).queries.replies(caller_of(request),
                                                             request.match_info["id"])
    return json_response({"items": [rep.reply(r) for r in found],
                          "exceptions": [rep.reply_exception(e) for e in exceptions]})


@routes.get("/api/v1/confirmations/{id}/workpaper.pdf")
async def workpaper_pdf(request: web.Request) -> web.Response:
    """The workpaper (回函底稿) sealed by the hub, once the confirmation is verified."""
    return await _stored(request, "workpaper", "application/pdf", "workpaper-{id}.pdf")


@routes.get("/api/v1/confirmations/{id}/evidence.zip")
async def evidence_zip(request: web.Request) -> web.Response:
    """The evidence bundle: letter, reply, workpaper, reports, chains, CRLs, manifest."""
    return await _stored(request, "evidence", "application/zip", "evidence-{id}.zip")


@routes.get("/api/v1/workpapers")
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


@routes.get("/api/v1/confirmations/{id}/reply.pdf")
async def reply_pdf(request: web.Request) -> web.Response:
    pdf = await deps_of(request).queries.reply_pdf(caller_of(request), request.match_info["id"])
    return web.Response(body=pdf, content_type="application/pdf")


def route_tables() -> tuple[web.RouteTableDef, ...]:
    """Every route table the API serves (the OpenAPI test reads them all)."""
    return (routes, registry_routes.routes, inbox_routes.routes, webhook_routes.routes,
            report_routes.routes, apikey_routes.routes)


def setup(app: web.Application) -> None:
    for table in route_tables():
        app.add_routes(table)
