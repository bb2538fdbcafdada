"""The webhook the hub sends to audit software, as the OpenAPI document's `webhooks`; its
registration routes are declared in hub.api.webhook_routes."""

from __future__ import annotations

from typing import Any

from hub.api.openapi_components import json_content

SIGNATURE_RULE = (
    "X-Hub-Signature is `sha256=` followed by the hex HMAC-SHA256, keyed with the webhook's "
    "secret, of X-Hub-Timestamp, a dot and the raw body (`<timestamp>.<body>`). A receiver "
    "recomputes it over the bytes it received, compares in constant time "
    "(hmac.compare_digest), and refuses a timestamp more than 5 minutes from its clock.")


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
