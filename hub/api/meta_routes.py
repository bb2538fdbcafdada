"""Routes that need no API key: liveness, readiness and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.api.endpoint import ENDPOINTS, Endpoint, Endpoints, Reply
from hub.api.jsonresponse import json_response
from hub.api.openapi import build_openapi
from hub.api.params import deps_of

api = Endpoints(tag="meta")
HEALTH: dict[str, Any] = {
    "type": "object", "required": ["status"],
    "properties": {"status": {"type": "string"},
                   "checks": {"type": "object",
                              "additionalProperties": {"type": "string",
                                                       "enum": ["ok", "unreachable"]}}}}


@api.get("/api/v1/openapi.json", "getOpenApi", "This document", replies=(
    Reply("200", "The OpenAPI 3.1 document.", inline={"type": "object"}),))
async def openapi(request: web.Request) -> web.Response:
    served: tuple[Endpoint, ...] = request.app[ENDPOINTS]
    return json_response(build_openapi(served, f"{request.scheme}://{request.host}"))


@api.get("/healthz", "healthz", "Liveness: the process answers", replies=(
    Reply("200", "Alive.", inline=HEALTH, example={"status": "ok"}),))
async def healthz(request: web.Request) -> web.Response:
    return json_response({"status": "ok"})


@api.get("/readyz", "readyz", "Readiness: the database and the broker are reachable", replies=(
    Reply("200", "Ready.", inline=HEALTH,
          example={"status": "ready", "checks": {"database": "ok", "broker": "ok"}}),
    Reply("503", "Not ready; `checks` says what is unreachable.", inline=HEALTH,
          example={"status": "not_ready", "checks": {"database": "ok", "broker": "unreachable"}}),
))
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
