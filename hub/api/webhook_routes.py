"""HTTP routes of audit-software webhooks: registration per firm or engagement, re-sending."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.api.bodies import read_json
from hub.api.endpoint import Body, Endpoints, Handler, Param, Reply
from hub.api.jsonresponse import json_response
from hub.api.openapi_webhooks import SIGNATURE_RULE
from hub.api.params import caller_of, deps_of
from hub.domain import commands
from hub.domain.webhooks import Webhook
from hub.services import webhooks

api = Endpoints(tag="webhooks")


def _webhook(w: Webhook, secret: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": w.id, "scope": "engagement" if w.engagement_id else "firm",
        "engagement_id": w.engagement_id, "url": w.url,
        "created_at": w.created_at.isoformat(), "updated_at": w.updated_at.isoformat(),
        "updated_by": w.updated_by,
    }
    if secret is not None:
        out["secret"] = secret
    return out


async def _get(request: web.Request, engagement_id: str | None) -> web.Response:
    found = await webhooks.webhook(deps_of(request).queries.uow_factory, caller_of(request),
                                   engagement_id)
    return json_response(_webhook(found))


async def _put(request: web.Request, engagement_id: str | None) -> web.Response:
    deps = deps_of(request)
    body = await read_json(request, "webhook_registration", deps.max_body_bytes)
    done = await deps.bus.handle(commands.RegisterWebhook(
        caller=caller_of(request), url=body["url"], engagement_id=engagement_id,
        secret=body.get("secret")))
    # The secret, when the hub made it, is in this answer only: never cache it anywhere.
    return json_response(_webhook(done.webhook, done.secret),
                         status=201 if done.created else 200,
                         headers={"Cache-Control": "no-store"})


async def _delete(request: web.Request, engagement_id: str | None) -> web.Response:
    await deps_of(request).bus.handle(commands.RemoveWebhook(
        caller=caller_of(request), engagement_id=engagement_id))
    return web.Response(status=204)


async def get_firm_webhook(request: web.Request) -> web.Response:
    return await _get(request, None)


async def put_firm_webhook(request: web.Request) -> web.Response:
    return await _put(request, None)


async def delete_firm_webhook(request: web.Request) -> web.Response:
    return await _delete(request, None)


async def get_engagement_webhook(request: web.Request) -> web.Response:
    return await _get(request, request.match_info["id"])


async def put_engagement_webhook(request: web.Request) -> web.Response:
    return await _put(request, request.match_info["id"])


async def delete_engagement_webhook(request: web.Request) -> web.Response:
    return await _delete(request, request.match_info["id"])


def _registration(path: str, scope: str, ids: str, params: tuple[Param, ...],
                  get: Handler, put: Handler, delete: Handler) -> None:
    """The three routes of one webhook scope (the firm's, or one engagement's)."""
    api.get(path, f"get{ids}Webhook", f"The webhook registered for {scope} (never its secret)",
            params=params, replies=(Reply("200", "The webhook.", "webhook"),))(get)
    api.put(path, f"put{ids}Webhook",
            f"Register or replace the webhook of {scope} (firm_admin, or admin through an "
            "engagement)",
            description="An engagement's webhook overrides its firm's. Without `secret` the "
                        "hub makes one and returns it in `secret`, this once; it is kept "
                        "encrypted and never shown again. " + SIGNATURE_RULE,
            params=params, body=Body("webhook_registration"),
            replies=(Reply("200", "Replaced.", "webhook"), Reply("201", "Registered.", "webhook")),
            problems=("409",))(put)
    api.delete(path, f"delete{ids}Webhook",
               f"Remove the webhook of {scope}; workpapers then wait in the pull feed",
               params=params, replies=(Reply("204", "Removed."),))(delete)


_registration("/api/v1/webhook", "the caller's firm", "Firm", (),
              get_firm_webhook, put_firm_webhook, delete_firm_webhook)
_registration("/api/v1/engagements/{id}/webhook", "one engagement", "Engagement",
              ("EngagementId",), get_engagement_webhook, put_engagement_webhook,
              delete_engagement_webhook)


@api.post("/api/v1/confirmations/{id}/workpaper/resend", "resendWorkpaper",
          "Push the workpaper to the webhook again (firm_admin or admin)",
          description="A deliberate re-send: a new message with a new X-Hub-Message-Id and the "
                      "header X-Hub-Redelivery: 1. 409 when there is no workpaper yet or no "
                      "webhook to send it to.",
          params=("ConfirmationId",), replies=(Reply("202", "Queued.", "workpaper_resend"),),
          problems=("409",))
async def resend_workpaper(request: web.Request) -> web.Response:
    """Push the workpaper to the webhook again (a new message, X-Hub-Redelivery: 1)."""
    deps = deps_of(request)
    c = await deps.bus.handle(commands.ResendWorkpaper(
        caller=caller_of(request), confirmation_id=request.match_info["id"]))
    return json_response({"confirmation_id": c.id, "queued": True}, status=202)
