"""HTTP routes of a firm's API keys: list, create, revoke, rotate (its firm_admin only)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.api.bodies import read_json
from hub.api.jsonresponse import json_response
from hub.api.params import caller_of, deps_of
from hub.domain import commands
from hub.ports import ApiKeyRecord

routes = web.RouteTableDef()

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


@routes.get("/api/v1/apikeys")
async def list_keys(request: web.Request) -> web.Response:
    found = await deps_of(request).queries.api_keys(caller_of(request))
    return json_response({"items": [key_view(k) for k in found]})


@routes.post("/api/v1/apikeys")
async def create_key(request: web.Request) -> web.Response:
    deps = deps_of(request)
    caller = caller_of(request)
    body = await read_json(request, "apikey_create", deps.max_body_bytes)
    record, key = await deps.bus.handle(commands.CreateApiKey(
        org_id=caller.org_id, role=body["role"], actor=caller.actor))
    return json_response(key_view(record, key), status=201, headers=NO_STORE)


@routes.post("/api/v1/apikeys/{id}/revoke")
async def revoke_key(request: web.Request) -> web.Response:
    deps = deps_of(request)
    record = await deps.bus.handle(commands.RevokeApiKey(
        key_id=request.match_info["id"], caller=caller_of(request)))
    deps.queries.forget_key(record.id)
    return web.Response(status=204)


@routes.post("/api/v1/apikeys/{id}/rotate")
async def rotate_key(request: web.Request) -> web.Response:
    deps = deps_of(request)
    record, key = await deps.bus.handle(commands.RotateApiKey(
        key_id=request.match_info["id"], caller=caller_of(request)))
    deps.queries.forget_key(request.match_info["id"])
    return json_response(key_view(record, key), status=201, headers=NO_STORE)
