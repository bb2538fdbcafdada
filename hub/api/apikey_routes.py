"""HTTP routes of a firm's API keys: list, create, revoke, rotate (its firm_admin only)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.api.bodies import read_json
from hub.api.endpoint import Body, Endpoints, Reply
from hub.api.jsonresponse import json_response
from hub.api.params import caller_of, deps_of
from hub.domain import commands
from hub.ports import ApiKeyRecord

api = Endpoints(tag="apikeys")
KEY_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"},
          "description": "The key's id (the part after `hub_`)."}

NO_STORE = {"Cache-Control": "no-store"}
"""The answers that carry a new key: it is shown this once and must not be cached."""


def key_view(k: ApiKeyRecord, key: str | None = None) -> dict[str, Any]:
    """A key as its firm_admin sees it: never its hash; the full key only when just made."""
    out: dict[str, Any] = {
        "id": k.id, "org_id": k.org_id, "role": k.role.value,
        "created_at": k.created_at.isoformat(),
        "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None,
    }
    if key is not None:
        out["key"] = key
    return out


@api.get("/api/v1/apikeys", "listApiKeys",
         "The keys of the caller's firm, revoked ones too (firm_admin)",
         replies=(Reply("200", "The keys, never their secrets.", "apikey_list"),))
async def list_keys(request: web.Request) -> web.Response:
    found = await deps_of(request).queries.api_keys(caller_of(request))
    return json_response({"items": [key_view(k) for k in found]})


@api.post("/api/v1/apikeys", "createApiKey",
          "Make a key for the caller's firm (firm_admin); shown once", body=Body("apikey_create"),
          replies=(Reply("201", "Made; `key` is in this answer only.", "apikey"),))
async def create_key(request: web.Request) -> web.Response:
    deps = deps_of(request)
    caller = caller_of(request)
    body = await read_json(request, "apikey_create", deps.max_body_bytes)
    record, key = await deps.bus.handle(commands.CreateApiKey(
        org_id=caller.org_id, role=body["role"], actor=caller.actor))
    return json_response(key_view(record, key), status=201, headers=NO_STORE)


@api.post("/api/v1/apikeys/{id}/revoke", "revokeApiKey",
          "Revoke one of the firm's keys (firm_admin); it stops working",
          description="At once in the process that answers; other API processes trust a key "
                      "they read for at most 2 seconds. The event is in the hash-chained event "
                      "log. Another firm's key is 404.",
          params=(KEY_ID,), replies=(Reply("204", "Revoked."),), problems=("409",))
async def revoke_key(request: web.Request) -> web.Response:
    deps = deps_of(request)
    record = await deps.bus.handle(commands.RevokeApiKey(
        key_id=request.match_info["id"], caller=caller_of(request)))
    deps.queries.forget_key(record.id)
    return web.Response(status=204)


@api.post("/api/v1/apikeys/{id}/rotate", "rotateApiKey",
          "Replace one of the firm's keys by a new one of the same role",
          description="The old key is revoked and the new one made in one step; the new key "
                      "is in this answer only.",
          params=(KEY_ID,), replies=(Reply("201", "The new key.", "apikey"),),
          problems=("409",))
async def rotate_key(request: web.Request) -> web.Response:
    deps = deps_of(request)
    record, key = await deps.bus.handle(commands.RotateApiKey(
        key_id=request.match_info["id"], caller=caller_of(request)))
    deps.queries.forget_key(request.match_info["id"])
    return json_response(key_view(record, key), status=201, headers=NO_STORE)
