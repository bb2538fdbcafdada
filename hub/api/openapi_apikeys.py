"""A firm's API keys in the OpenAPI document: list, create, revoke and rotate."""

from __future__ import annotations

from typing import Any

from hub.api.openapi_parts import errors, json_content, ok

KEY_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"},
          "description": "The key's id (the part after `hub_`)."}


def paths() -> dict[str, Any]:
    return {
        "/api/v1/apikeys": {
            "get": {
                "operationId": "listApiKeys", "tags": ["apikeys"],
                "summary": "The keys of the caller's firm, revoked ones too (firm_admin)",
                "responses": {**ok("The keys, never their secrets.", "apikey_list"),
                              **errors("401", "403")},
            },
            "post": {
                "operationId": "createApiKey", "tags": ["apikeys"],
                "summary": "Make a key for the caller's firm (firm_admin); shown once",
                "requestBody": {"required": True, "content": json_content("apikey_create")},
                "responses": {**ok("Made; `key` is in this answer only.", "apikey", "201"),
                              **errors("401", "403", "413", "415", "422")},
            },
        },
        "/api/v1/apikeys/{id}/revoke": {
            "post": {
                "operationId": "revokeApiKey", "tags": ["apikeys"],
                "summary": "Revoke one of the firm's keys (firm_admin); it stops working",
                "description": "At once in the process that answers; other API processes "
                               "trust a key they read for at most 2 seconds. The event is "
                               "in the hash-chained event log. Another firm's key is 404.",
                "parameters": [KEY_ID],
                "responses": {"204": {"description": "Revoked."},
                              **errors("401", "403", "404", "409")},
            },
        },
        "/api/v1/apikeys/{id}/rotate": {
            "post": {
                "operationId": "rotateApiKey", "tags": ["apikeys"],
                "summary": "Replace one of the firm's keys by a new one of the same role",
                "description": "The old key is revoked and the new one made in one step; the "
                               "new key is in this answer only.",
                "parameters": [KEY_ID],
                "responses": {**ok("The new key.", "apikey", "201"),
                              **errors("401", "403", "404", "409")},
            },
        },
    }
