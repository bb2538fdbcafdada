"""The aiohttp application factory: middlewares, routes and what the app holds."""

from __future__ import annotations

import time
import uuid
from typing import Any

import structlog
from aiohttp import web

from hub.api import routes
from hub.api.access import enforce_access
from hub.api.deps import CALLER, DEPS, REQUEST_ID, ApiDeps
from hub.api.problems import loggable, problem_middleware
from hub.domain.errors import Unauthenticated
from hub.domain.text import refused_at
from hub.edge.http import refuse_control_characters

log = structlog.get_logger(__name__)

PUBLIC_PATHS = frozenset({"/healthz", "/readyz", "/api/v1/openapi.json"})


@web.middleware
async def request_context(request: web.Request, handler: Any) -> web.StreamResponse:
    """Give each request an id, bind it to the logs, and echo it back."""
    rid = request.headers.get("X-Request-ID", "")[:64]
    if not rid or refused_at(rid) is not None:  # it is echoed: it must be a valid header
        rid = uuid.uuid4().hex
    request[REQUEST_ID] = rid
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=rid)
    if request.path.startswith("/api/v1/confirmations/") and "id" in request.match_info:
        structlog.contextvars.bind_contextvars(confirmation_id=request.match_info["id"])
    started = time.perf_counter()
    status = 500  # what the client gets if the handler raises past problem_middleware
    try:
        response = await handler(request)
        status = response.status
    finally:
        log.info("request_handled", method=request.method, path=loggable(request.path),
                 status=status, ms=round((time.perf_counter() - started) * 1000, 1))
        structlog.contextvars.clear_contextvars()
    response.headers["X-Request-ID"] = rid
    return response


@web.middleware
async def authenticate(request: web.Request, handler: Any) -> web.StreamResponse:
    """Every /api call carries an API key (Authorization: Bearer … or X-API-Key)."""
    if request.path in PUBLIC_PATHS or not request.path.startswith("/api/"):
        return await handler(request)
    presented = request.headers.get("X-API-Key", "")
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        presented = auth[7:].strip()
    if not presented:
        raise Unauthenticated("send an API key: Authorization: Bearer <key>",
                              field="Authorization")
    caller = await request.app[DEPS].queries.authenticate(presented)
    request[CALLER] = caller
    structlog.contextvars.bind_contextvars(org_id=caller.org_id, key_id=caller.key_id)
    return await handler(request)


def create_app(deps: ApiDeps) -> web.Application:
    """Build the API application (no I/O happens here)."""
    app = web.Application(
        middlewares=[request_context, problem_middleware, refuse_control_characters,
                     authenticate, enforce_access],
        # aiohttp's own limit is a backstop; read_json enforces the configured one first.
        client_max_size=deps.max_body_bytes + 1024,
    )
    app[DEPS] = deps
    routes.setup(app)

    async def finish_submissions(_app: web.Application) -> None:
        await deps.submissions.close()

    app.on_cleanup.append(finish_submissions)
    return app
