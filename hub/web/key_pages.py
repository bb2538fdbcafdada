"""The web UI's API-key page: a firm_admin lists, makes, revokes and rotates its firm's keys."""

from __future__ import annotations

import contextlib

from aiohttp import web

from hub.domain.commands import CreateApiKey, RevokeApiKey, RotateApiKey
from hub.domain.errors import Conflict, Forbidden
from hub.domain.model import Caller, Role
from hub.web.deps import PREFIX, signed_in, web_deps
from hub.web.render import page
from hub.web.security import redirect

routes = web.RouteTableDef()

ROLES = (("auditor", "审计人员 / auditor"), ("firm_admin", "管理员 / firm_admin"))
"""The roles a firm's key may have, as the form offers them."""


def _manager(request: web.Request) -> Caller:
    """The signed-in firm_admin; anyone else is told the page is not for them."""
    caller = signed_in(request).user.caller()
    if caller.role is not Role.FIRM_ADMIN:
        raise Forbidden("只有事务所管理员可以管理 API 密钥 / only a firm_admin manages API keys")
    return caller


async def _keys_page(request: web.Request, *, status: int = 200, new_key: str = "",
                     error: str = "") -> web.Response:
    deps = web_deps(request)
    keys = await deps.queries.api_keys(_manager(request))
    return page(request, "keys.html", status=status, keys=keys, roles=ROLES,
                new_key=new_key, error=error)


@routes.get("/keys")
async def keys(request: web.Request) -> web.Response:
    return await _keys_page(request)


@routes.post("/keys")
async def create_key(request: web.Request) -> web.Response:
    """新建密钥: the key is on this answer's page only (never in a URL or a redirect)."""
    caller = _manager(request)
    bus = web_deps(request).bus
    if bus is None:
        raise web.HTTPNotFound()
    role = str((await request.post()).get("role", ""))
    if role not in dict(ROLES):
        return await _keys_page(request, status=422, error="请选择角色 / choose a role")
    _, key = await bus.handle(CreateApiKey(org_id=caller.org_id, role=role,
                                           actor=caller.actor))
    return await _keys_page(request, status=201, new_key=key)


@routes.post("/keys/{id}/revoke")
async def revoke_key(request: web.Request) -> web.StreamResponse:
    caller = _manager(request)
    deps = web_deps(request)
    if deps.bus is None:
        raise web.HTTPNotFound()
    with contextlib.suppress(Conflict):  # revoked already (a second click): the same page
        await deps.bus.handle(RevokeApiKey(key_id=request.match_info["id"], caller=caller))
    deps.queries.forget_key(request.match_info["id"])
    return redirect(f"{PREFIX}/keys")


@routes.post("/keys/{id}/rotate")
async def rotate_key(request: web.Request) -> web.Response:
    caller = _manager(request)
    deps = web_deps(request)
    if deps.bus is None:
        raise web.HTTPNotFound()
    _, key = await deps.bus.handle(RotateApiKey(key_id=request.match_info["id"], caller=caller))
    deps.queries.forget_key(request.match_info["id"])
    return await _keys_page(request, status=201, new_key=key)
