"""Audit-software webhooks in the OpenAPI document: registration routes and the push itself."""

from __future__ import annotations

from typing import Any

from hub.api.openapi_parts import errors, json_content, ok, param

SIGNATURE_RULE = (
    "X-Hub-Signature is `sha256=` followed by the hex HMAC-SHA256, keyed with the webhook's "
    "secret, of X-Hub-Timestamp, a dot and the raw body (`<timestamp>.<body>`). A receiver "
    "recomputes it over the bytes it received, compares in constant time "
    "(hmac.compare_digest), and refuses a timestamp more than 5 minutes from its clock.")


def _registration(scope: str, ids: str, params: list[dict[str, str]]) -> dict[str, Any]:
    codes = ("401", "403", "404") if params else ("401", "403")
    return {
        "get": {
            "operationId": f"get{ids}Webhook", "tags": ["webhooks"],
            "summary": f"The webhook registered for {scope} (never its secret)",
            "parameters": params,
            "responses": {**ok("The webhook.", "webhook"), **errors("404", *codes)},
        },
        "put": {
            "operationId": f"put{ids}Webhook", "tags": ["webhooks"],
            "summary": f"Register or replace the webhook of {scope} (firm_admin, or admin "
                       "through an engagement)",
            "description": "An engagement's webhook overrides its firm's. Without `secret` "
                           "the hub makes one and returns it in `secret`, this once; it is "
                           "kept encrypted and never shown again. " + SIGNATURE_RULE,
            "parameters": params,
            "requestBody": {"required": True, "content": json_content("webhook_registration")},
            "responses": {**ok("Replaced.", "webhook"), **ok("Registered.", "webhook", "201"),
                          **errors("401", "403", "404", "409", "413", "415", "422")},
        },
        "delete": {
            "operationId": f"delete{ids}Webhook", "tags": ["webhooks"],
            "summary": f"Remove the webhook of {scope}; workpapers then wait in the pull feed",
            "parameters": params,
            "responses": {"204": {"description": "Removed."}, **errors("404", *codes)},
        },
    }


def paths() -> dict[str, Any]:
    return {
        "/api/v1/webhook": _registration("the caller's firm", "Firm", []),
        "/api/v1/engagements/{id}/webhook": _registration(
            "one engagement", "Engagement", [param("EngagementId")]),
        "/api/v1/confirmations/{id}/workpaper/resend": {
            "post": {
                "operationId": "resendWorkpaper", "tags": ["webhooks"],
                "summary": "Push the workpaper to the webhook again (firm_admin or admin)",
                "description": "A deliberate re-send: a new message with a new "
                               "X-Hub-Message-Id and the header X-Hub-Redelivery: 1. 409 when "
                               "there is no workpaper yet or no webhook to send it to.",
                "parameters": [param("ConfirmationId")],
                "responses": {**ok("Queued.", "workpaper_resend", "202"),
                              **errors("401", "403", "404", "409")},
            },
        },
    }


def _header(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"in": "header", "required": True, "description": description, "schema": schema}


def webhooks() -> dict[str, Any]:
    """OpenAPI 3.1 `webhooks`: what the hub POSTs to a firm's registered URL."""
    return {
        "workpaper.ready": {
            "post": {
                "operationId": "workpaperReady", "tags": ["webhooks"],
                "summary": "A confirmation's sealed workpaper and evidence bundle are ready",
                "description": (
                    "Sent when the workpaper is made (the confirmation is verified) and when "
                    "an admin re-sends it. Answer 2xx to accept: the confirmation becomes "
                    "workpaper_delivered. 408, 425, 429, 500, 502, 503, 504, a timeout or a "
                    "refused connection are retried with exponential backoff and jitter, then "
                    "parked (the confirmation's history says why; an operator replays it); "
                    "any other "
                    "answer parks it at once. The same message may come more than once: drop "
                    "duplicates by X-Hub-Message-Id. " + SIGNATURE_RULE),
                "parameters": [
                    {"name": "X-Hub-Event", **_header("Always `workpaper.ready`.",
                                                      {"const": "workpaper.ready"})},
                    {"name": "X-Hub-Timestamp", **_header(
                        "When it was sent, in unix seconds.",
                        {"type": "string", "pattern": "^[0-9]{1,12}$"})},
                    {"name": "X-Hub-Signature", **_header(
                        "`sha256=` + hex HMAC-SHA256 over `<X-Hub-Timestamp>.<raw body>`.",
                        {"type": "string", "pattern": "^sha256=[0-9a-f]{64}$"})},
                    {"name": "X-Hub-Message-Id", **_header(
                        "The same on every retry of one message; a re-send has a new one.",
                        {"type": "string"})},
                    {"name": "X-Hub-Redelivery", "in": "header", "required": False,
                     "description": "`1` when an admin re-sent the workpaper on purpose.",
                     "schema": {"const": "1"}},
                ],
                "requestBody": {"required": True, "content": json_content("workpaper_ready")},
                "responses": {"2XX": {"description": "Accepted."},
                              "default": {"description": "Not accepted: retried if 408, 425, "
                                                         "429, 500 or 502-504, else parked."}},
            },
        },
    }
